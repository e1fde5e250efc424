// The task graph of the kaha-deploy host (build/Tasks), as a Cake script, for bench/startup.sh:
// same task names, descriptions and dependencies, registered in the same order (the host registers
// its task classes sorted by name), so `dotnet cake bench/startup/build.cake --tree` prints the same
// tree as `./build.sh --tree`. The bodies only log the task name: the benchmark compares starting
// the runner and printing the tree, not the work. bench/startup.sh checks that both trees and both
// description lists still match, and says so in bench/RESULTS.md when they drift.

var target = Argument("target", "Default");

Task("AppTests")
    .Description("Runs the app's own tests (npm test) in the checkout")
    .IsDependentOn("NpmInstall")
    .Does(() => Information("AppTests"));

Task("BackupContainer")
    .Description("Renames the live NAME to NAME_previous, as deploy_kaha.sh did (behind a proxy this happens after the switch, in Drain)")
    .IsDependentOn("DockerPreflight")
    .IsDependentOn("Lock")
    .Does(() => Information("BackupContainer"));

Task("BuildImage")
    .Description("Builds the app image through the engine, tagged IMAGE:COMMIT and IMAGE:ENV with OCI labels, or pulls the environment's registry image (pullImage, or --image=REPO:TAG)")
    .IsDependentOn("DockerPreflight")
    .IsDependentOn("ReadVersion")
    .Does(() => Information("BuildImage"));

Task("CI")
    .Description("The last stage of CI: the app's tests, then Deploy to --env only when they pass")
    .IsDependentOn("Lock")
    .IsDependentOn("GitPull")
    .IsDependentOn("AppTests")
    .IsDependentOn("Deploy")
    .Does(() => Information("CI"));

Task("Clean")
    .Description("Clears the tool's work folder and this app's dangling images")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Clean"));

Task("Default")
    .Description("Lists the targets; what runs when no --target is given")
    .Does(() => Information("Default"));

Task("Deploy")
    .Description("Deploys the app to --env: pull, install, build, run the new release, health-check it, switch traffic (behind a proxy: with no downtime), tell Slack")
    .IsDependentOn("Lock")
    .IsDependentOn("Clean")
    .IsDependentOn("GitPull")
    .IsDependentOn("ReadVersion")
    .IsDependentOn("NpmInstall")
    .IsDependentOn("BuildImage")
    .IsDependentOn("StartRedis")
    .IsDependentOn("EnsureProxy")
    .IsDependentOn("Reconcile")
    .IsDependentOn("BackupContainer")
    .IsDependentOn("RunContainer")
    .IsDependentOn("HealthCheck")
    .IsDependentOn("SwitchTraffic")
    .IsDependentOn("Drain")
    .IsDependentOn("RemoveOlderBackup")
    .IsDependentOn("Prune")
    .IsDependentOn("NotifySlack")
    .Does(() => Information("Deploy"));

Task("DockerPreflight")
    .Description("Connects to the Docker engine (DOCKER_HOST or the default socket); installs and starts docker.io on a Debian host run as root")
    .Does(() => Information("DockerPreflight"));

Task("Drain")
    .Description("Lets the replaced release finish its requests, then keeps it as NAME_previous, running as a warm standby for the configured window")
    .IsDependentOn("SwitchTraffic")
    .Does(() => Information("Drain"));

Task("EnsureProxy")
    .Description("Creates the environment's proxy container (NAME_proxy, on the public ports) when missing; leaves a running one alone")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("EnsureProxy"));

Task("GitPull")
    .Description("Fetches and fast-forwards the app checkout to the configured branch, or to --sha; refuses a dirty tree or a non-fast-forward")
    .Does(() => Information("GitPull"));

Task("HealthCheck")
    .Description("Waits for the new release to answer the health path with 200 (behind a proxy: N times in a row, before any traffic); otherwise keeps the old one serving and fails")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("HealthCheck"));

Task("History")
    .Description("Lists the last runs that changed --env (--last=N, default 20): when, what, who and how, version, result, duration; --json for scripts")
    .Does(() => Information("History"));

Task("Listen")
    .Description("Push to deploy: serves GitHub and Docker Hub webhooks on --address/--port and deploys each accepted push in the background, one at a time per environment")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Listen"));

Task("Lock")
    .Description("Takes the environment's deploy lock, so two changes never overlap (--lock-wait=SECONDS waits for it)")
    .Does(() => Information("Lock"));

Task("Logs")
    .Description("Shows the app's own output in --env: --tail=N lines (default 100, or all), --since=10m, --follow until Ctrl+C")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Logs"));

Task("NotifySlack")
    .Description("Tells Slack the result: environment, version, who or what triggered it, duration (failures are reported from the teardown)")
    .Does(() => Information("NotifySlack"));

Task("NpmInstall")
    .Description("Installs the app's npm packages on the host (npm ci when a lock file exists, skipped when node_modules is what it would install); containers cannot reach a registry")
    .Does(() => Information("NpmInstall"));

Task("Prune")
    .Description("Keeps the last N releases (containers and images) for Rollback --to=SHA and removes older ones, never the live or previous one")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Prune"));

Task("ReadVersion")
    .Description("Takes the checked-out commit as the release version (image tag, labels, APP_VERSION/APP_COMMIT)")
    .Does(() => Information("ReadVersion"));

Task("Reconcile")
    .Description("Puts right what an interrupted run left: names follow the proxy's route, a release that never took traffic is removed")
    .IsDependentOn("Lock")
    .IsDependentOn("EnsureProxy")
    .Does(() => Information("Reconcile"));

Task("RemoveOlderBackup")
    .Description("Once the new release is healthy, removes the backup it replaced (NAME_older)")
    .IsDependentOn("HealthCheck")
    .Does(() => Information("RemoveOlderBackup"));

Task("RestorePrevious")
    .Description("Readies NAME_previous (or the retained release of --to=SHA) to take over; the replaced release becomes NAME_previous, so a second rollback rolls forward")
    .IsDependentOn("DockerPreflight")
    .IsDependentOn("Lock")
    .Does(() => Information("RestorePrevious"));

Task("Rollback")
    .Description("Incident button: brings back the previous version of --env (or --to=SHA), health-checks it, switches to it and tells Slack; run it again to roll forward")
    .IsDependentOn("Lock")
    .IsDependentOn("Reconcile")
    .IsDependentOn("RestorePrevious")
    .IsDependentOn("HealthCheck")
    .IsDependentOn("SwitchTraffic")
    .IsDependentOn("Drain")
    .IsDependentOn("NotifySlack")
    .Does(() => Information("Rollback"));

Task("RunContainer")
    .Description("Starts the new release with the environment's options: as NAME (dev and stage mount the app folder), or beside the live one behind a proxy")
    .IsDependentOn("BuildImage")
    .IsDependentOn("BackupContainer")
    .Does(() => Information("RunContainer"));

Task("StartRedis")
    .Description("Runs the environment's own Redis container (dev) with a host data folder and a password; leaves a running one alone")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("StartRedis"));

Task("Status")
    .Description("Shows per environment (or only --env) the live and previous container, version, state, health, URL, since when and by whom it is live, and a newer failed run; --json for scripts")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Status"));

Task("StopStandby")
    .Description("Run by the tool itself after a switch: waits out the standby window (--delay), then stops NAME_previous if it still takes no traffic")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("StopStandby"));

Task("SwitchTraffic")
    .Description("Points the proxy at the healthy new release, then confirms through the public port that it is the one answering")
    .Does(() => Information("SwitchTraffic"));

RunTarget(target);
