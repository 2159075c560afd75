// Placeholder entry point so the collector builds; the command-line host replaces it.
return 0;
