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
    .Description("Renames the live NAME to NAME_previous (an older backup is removed), as deploy_kaha.sh did")
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
    .Description("Deploys the app to --env: pull, install, build, back up the live container, run the new one, health-check it, tell Slack")
    .IsDependentOn("Lock")
    .IsDependentOn("Clean")
    .IsDependentOn("GitPull")
    .IsDependentOn("ReadVersion")
    .IsDependentOn("NpmInstall")
    .IsDependentOn("BuildImage")
    .IsDependentOn("StartRedis")
    .IsDependentOn("BackupContainer")
    .IsDependentOn("RunContainer")
    .IsDependentOn("HealthCheck")
    .IsDependentOn("RemoveOlderBackup")
    .IsDependentOn("NotifySlack")
    .Does(() => Information("Deploy"));

Task("DockerPreflight")
    .Description("Connects to the Docker engine (DOCKER_HOST or the default socket); installs and starts docker.io on a Debian host run as root")
    .Does(() => Information("DockerPreflight"));

Task("GitPull")
    .Description("Fetches and fast-forwards the app checkout to the configured branch, or to --sha; refuses a dirty tree or a non-fast-forward")
    .Does(() => Information("GitPull"));

Task("HealthCheck")
    .Description("Waits for the live container to answer the health path with 200; otherwise keeps it as NAME_failed, brings NAME_previous back and fails")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("HealthCheck"));

Task("Listen")
    .Description("Push to deploy: serves GitHub and Docker Hub webhooks on --address/--port and deploys each accepted push in the background, one at a time per environment")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Listen"));

Task("Lock")
    .Description("Takes the environment's deploy lock, so two changes never overlap (--lock-wait=SECONDS waits for it)")
    .Does(() => Information("Lock"));

Task("NotifySlack")
    .Description("Tells Slack the result: environment, version, who or what triggered it, duration (failures are reported from the teardown)")
    .Does(() => Information("NotifySlack"));

Task("NpmInstall")
    .Description("Installs the app's npm packages on the host (npm ci when a lock file exists); containers cannot reach a registry")
    .Does(() => Information("NpmInstall"));

Task("ReadVersion")
    .Description("Takes the checked-out commit as the release version (image tag, labels, APP_VERSION/APP_COMMIT)")
    .Does(() => Information("ReadVersion"));

Task("RemoveOlderBackup")
    .Description("Once the new release is healthy, removes the backup it replaced (NAME_older)")
    .IsDependentOn("HealthCheck")
    .Does(() => Information("RemoveOlderBackup"));

Task("RestorePrevious")
    .Description("Makes NAME_previous live again and keeps the replaced container as NAME_previous, so a second rollback rolls forward")
    .IsDependentOn("DockerPreflight")
    .IsDependentOn("Lock")
    .Does(() => Information("RestorePrevious"));

Task("Rollback")
    .Description("Incident button: brings back the previous version of --env, health-checks it and tells Slack; run it again to roll forward")
    .IsDependentOn("Lock")
    .IsDependentOn("RestorePrevious")
    .IsDependentOn("HealthCheck")
    .IsDependentOn("NotifySlack")
    .Does(() => Information("Rollback"));

Task("RunContainer")
    .Description("Starts the new NAME from the new image with the environment's options (dev and stage mount the app folder)")
    .IsDependentOn("BuildImage")
    .IsDependentOn("BackupContainer")
    .Does(() => Information("RunContainer"));

Task("StartRedis")
    .Description("Runs the environment's own Redis container (dev) with a host data folder and a password; leaves a running one alone")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("StartRedis"));

Task("Status")
    .Description("Shows per environment (or only --env) the live and previous container, image, version, state, health and URL; --json for scripts")
    .IsDependentOn("DockerPreflight")
    .Does(() => Information("Status"));

RunTarget(target);
