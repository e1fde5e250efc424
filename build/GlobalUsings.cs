// Cake.Core.IO has a Path type of its own; file paths here are always System.IO's.
global using Path = System.IO.Path;
// The layers (docs/ARCHITECTURE.md): tasks call services; services sit in folders by concern, one namespace each.
global using KahaDeploy.Cli;
global using KahaDeploy.Configuration;
global using KahaDeploy.Output;
global using KahaDeploy.Services.Dashboard;
global using KahaDeploy.Services.Docker;
global using KahaDeploy.Services.Host;
global using KahaDeploy.Services.Locking;
global using KahaDeploy.Services.Proxy;
global using KahaDeploy.Services.Redis;
global using KahaDeploy.Services.Releases;
global using KahaDeploy.Services.Runs;
global using KahaDeploy.Services.Slack;
global using KahaDeploy.Services.Swarm;
global using KahaDeploy.Services.Webhooks;
// The proxy's admin contract, shared with the proxy (proxy/Contract).
global using KahaProxy.Contract;
