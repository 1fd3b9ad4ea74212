namespace Vellum.Catalog;

/// <summary>How an operation touched the object a history entry belongs to (the <c>role</c> column).</summary>
public enum CatalogRole
{
    /// <summary>The operation's own target (its PATH, or the node a link or rename moved).</summary>
    Target = 0,

    /// <summary>A rename replaced it at PATH2: that name no longer leads to it.</summary>
    Replaced = 1,

    /// <summary>A rename with RENAME_EXCHANGE swapped it with the operation's target.</summary>
    Exchanged = 2,

    /// <summary>A baseline REMOVE found its name gone from the directory (changed while no mount ran).</summary>
    Removed = 3,
}
