// Cake.Core.IO has a Path type of its own; file paths here are always System.IO's.
global using Path = System.IO.Path;
