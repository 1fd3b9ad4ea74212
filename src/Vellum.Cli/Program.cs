using Vellum.Cli;

return new VellumCommandLine().Run(args);
