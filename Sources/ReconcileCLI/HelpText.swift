/// Usage text and option specs of every command.
enum HelpText {
  static let version = "0.1.0"

  static let global: Set<String> = ["manifests", "state", "env-file", "secrets-dir", "environment"]

  static let specs: [String: Arguments.Spec] = [
    "fmt": .init(flags: ["no-color", "check"], values: ["manifests"]),
    "schema": .init(flags: ["no-color"], values: [], repeatable: ["templates"]),
    "import": .init(
      flags: ["no-color", "adopt", "allow-differences"], values: global.union(["out", "project", "lock-timeout"]), repeatable: ["templates", "var", "var-file"],
      maxPositionals: 64),
    "validate": .init(flags: ["no-color", "json"], values: global, repeatable: ["templates", "var", "var-file"]),
    "plan": .init(
      flags: ["no-color", "json", "detailed-exitcode", "prune-volumes"], values: global.union(["out"]), repeatable: ["templates", "var", "var-file", "target", "exclude"]),
    "apply": .init(
      flags: ["no-color", "auto-approve", "prune-volumes", "json"], values: global.union(["parallelism", "lock-timeout"]),
      repeatable: ["templates", "var", "var-file", "target", "exclude"],
      maxPositionals: 1
    ),
    "generations": .init(flags: ["no-color", "json"], values: global, repeatable: ["templates", "var", "var-file"]),
    "rollback": .init(
      flags: ["no-color", "auto-approve"], values: global.union(["parallelism", "lock-timeout"]), repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "logs": .init(flags: ["no-color", "follow"], values: global.union(["tail", "since"]), repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "restart": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "promote": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "abort": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "drift": .init(flags: ["no-color", "json"], values: global.union(["format"]), repeatable: ["templates", "var", "var-file"]),
    "status": .init(flags: ["no-color", "json", "detailed-exitcode"], values: global, repeatable: ["templates", "var", "var-file"]),
    "show": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "graph": .init(flags: ["no-color"], values: global.union(["format"]), repeatable: ["templates", "var", "var-file"]),
    "destroy": .init(flags: ["no-color", "auto-approve", "prune-volumes"], values: global.union(["parallelism", "lock-timeout"]), repeatable: ["templates", "var", "var-file"]),
    "run-job": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "backup": .init(flags: ["no-color", "force"], values: global.union(["to"]), repeatable: ["templates", "var", "var-file"], maxPositionals: 3),
    "alert": .init(flags: ["no-color"], values: global, repeatable: ["templates", "var", "var-file"], maxPositionals: 1),
    "controller": .init(
      flags: ["no-color", "require-signed", "allow-rewrite", "prune-volumes"],
      values: global.union([
        "listen", "token-file", "webhook-secret-file", "resync", "backoff-cap", "git", "branch", "path", "poll", "parallelism", "lock-timeout", "log-format", "max-log-size",
      ]),
      repeatable: ["templates", "var", "var-file"]),
  ]

  static let common = """
    Common options:
      --manifests PATH     a manifest file or a directory of *.json files (default: manifests)
      --state DIR          the state directory (default: state)
      --env-file FILE      secrets as KEY=value lines (default: .env beside the manifests)
      --secrets-dir DIR    one file per secret (default: secrets/ beside the manifests)
      --templates DIR      templates that override the bundled ones (repeatable)
      --environment NAME   variables from environments/NAME.json beside the manifests' directory, state in
                           state/NAME (unless --state), its own project on a shared engine
      --var-file FILE      variables from a JSON object (repeatable; after the environment's)
      --var NAME=VALUE     one variable (repeatable; last): each must be declared in the manifests' variables
      --no-color           no colours (also when NO_COLOR is set or output is piped)

    Exit codes: 0 success, 1 error (including invalid manifests), 2 changes present or drift found.
    """

  static func text(for command: String) -> String {
    let body: String
    switch command {
    case "validate":
      body = """
        Usage: reconcile validate [options]

        Checks the manifests and reports every error at once, with its file and JSON path. Changes nothing.

          --json    {"valid": true, "resources": N, "files": N}, or {"valid": false, "errors": [{file, subject,
                    path, message, text}]} (exit 1)

        Example:
          reconcile validate --manifests manifests/
        """
    case "plan":
      body = """
        Usage: reconcile plan [options]

        Observes the host, compares it with the manifests and shows what apply would do. Changes nothing.

          --json                the plan as JSON (format version 1, see README)
          --out FILE            save the plan; 'reconcile apply FILE' applies exactly it, or refuses it when stale
          --detailed-exitcode   exit 0 when there are no changes, 2 when there are, 1 on error
          --target KIND/NAME    plan only this resource and what it depends on (repeatable)
          --exclude KIND/NAME   leave out this resource and what depends on it (repeatable)
          --prune-volumes       let prune destroy volumes that are no longer declared

        Examples:
          reconcile plan
          reconcile plan --target file/motd --detailed-exitcode
          reconcile plan --out tonight.plan && reconcile apply tonight.plan
        """
    case "apply":
      body = """
        Usage: reconcile apply [options] [SAVED_PLAN]

        Plans, shows the plan, asks for confirmation on a terminal, then applies it: independent steps run in
        parallel, dependents of a failed step are skipped, every outcome is recorded in the state and its history.

          --auto-approve        apply without asking (required when standard input is not a terminal)
          --json                events on stdout, one JSON object a line (plan, started, note, finished, summary);
                                what is meant for people goes to stderr (needs --auto-approve)
          --parallelism N       steps run at once (default 4)
          --lock-timeout DUR    wait this long for another run to release the state lock (default 0s)
          --target / --exclude  as for plan
          --prune-volumes       let prune destroy volumes that are no longer declared

        Examples:
          reconcile apply
          reconcile apply --auto-approve --parallelism 8
          reconcile apply tonight.plan
        """
    case "generations":
      body = """
        Usage: reconcile generations [options]

        Lists the generations kept for rollback, oldest first: each successful, complete apply that changed the
        manifests or the images records one (the manifests as read, secrets only as references; the exact image ID
        of every image resource; the git revision). "policy": { "keepGenerations": N } keeps the last N (default
        5); the images they ran stay on the host, the images only older ones ran are removed when nothing uses them.

          --json   the list as JSON (without the manifest bytes)

        Example:
          reconcile generations --state /var/lib/reconcile
        """
    case "rollback":
      body = """
        Usage: reconcile rollback [N] [options]

        Plans and applies generation N (default: the one before the latest) from its own manifests, with every
        image resource pinned to the exact image ID it ran, shown and confirmed like an apply. The result is
        recorded as a new generation; 'reconcile apply' of the current manifests rolls forward again. A running
        controller keeps following the manifests: revert them too, or stop it first.

        With "policy": { "rollbackOnFailure": true }, an apply that changed something and then failed (a step,
        or a check under "verify") rolls back to the latest generation by itself and alerts apply-rolled-back;
        the controller then keeps that generation until the manifests change.

          --auto-approve        roll back without asking
          --parallelism N, --lock-timeout DUR   as for apply

        Examples:
          reconcile rollback
          reconcile rollback 3 --auto-approve
        """
    case "logs", "restart":
      body = """
        Usage: reconcile logs KIND/NAME [--tail N] [--since DUR] [--follow] [options]
               reconcile restart container/NAME|site/NAME|unit/NAME [options]

        logs prints a container's output through the Engine (each replica's in turn; stderr to stderr), a site's
        server's access and error logs, a unit's journal, or the runs of a job or a backup with their output tails.
        restart restarts a container (each replica in turn) with its stop timeout, reloads a site's server (its old
        workers finish their requests), or restarts a unit. Only resources the manifests declare, and only containers that carry their labels, are
        touched.

          --tail N       the last N lines (containers, sites: 100) or runs (jobs, backups)
          --since DUR    what was written (containers) or what ran (jobs, backups) in the last DUR, like 10m
          --follow       keep printing what a container or a site's server writes

        Examples:
          reconcile logs container/jules --tail 50
          reconcile logs site/jules --follow
          reconcile logs job/sync-notes --since 1d
          reconcile restart container/jules
        """
    case "promote", "abort":
      body = """
        Usage: reconcile promote NAME [options]
               reconcile abort NAME [options]

        Answers a canary that waits at a "pause" step (`"update": { "strategy": "canary", "steps": [10, "pause",
        50] }`): the apply (or controller) that runs it holds the new version's share of the traffic and waits.
        promote lets it go on with the next step; abort sends every request back to the old container, removes the
        new one, and fails the apply's step (aborted by `reconcile abort`), after which a controller leaves the
        container alone until its manifest changes. NAME is the container resource's name (`app` or
        `container/app`); the apply waiting is found through the state directory.

        Examples:
          reconcile promote app
          reconcile abort container/app --state /var/lib/reconcile/state
        """
    case "drift":
      body = """
        Usage: reconcile drift [options]

        Compares the host with the last apply and with the manifests: changed (with field diffs), missing,
        unmanaged, pending and orphaned resources. Each report is kept under STATE/drift/. Exits 2 on drift.

          --format text|json|markdown   output format (default text)
          --json                        same as --format json

        Example:
          reconcile drift --format markdown > drift.md
        """
    case "status":
      body = """
        Usage: reconcile status [options]

        Shows what is managed, when and from which revision it was last applied, and whether it is in sync.

          --json                {"inSync", "serial", "lastApply", "manifestErrors", "resources": [{address, applied,
                                sync, detail}]}, sync being in-sync or changed, missing, unmanaged, pending, …
          --detailed-exitcode   exit 2 when anything is not in sync (0 when all is, 1 on invalid manifests)

        Example:
          reconcile status --state /var/lib/reconcile
        """
    case "fmt":
      body = """
        Usage: reconcile fmt [--check] [--manifests PATH]

        Rewrites the manifest files in one canonical layout: two-space indentation, every object on its lines, a
        list of plain values on one line when it fits in 100 columns, keys in a stable order (at the top $schema,
        apiVersion, project, variables, policy, verify, alerts, resources; in a resource kind, name, ensure, the
        others alphabetically, dependsOn last). Strings and numbers keep the text they were written with. A file that is
        not JSON is reported with its line and column and left as it is.

          --check   change nothing; list the files that are not formatted and exit 1 (for CI)

        Example:
          reconcile fmt --check
        """
    case "import":
      body = """
        Usage: reconcile import compose FILE [--out DIR] [--project NAME] [--adopt]
               reconcile import KIND/NAME... [--allow-differences]

        import compose writes DIR/PROJECT.json (DIR: manifests) for a docker compose project: each service a
        container with its image (pulled when missing, or built from its context), command, environment and env
        files, ports, volumes and bind mounts, networks, depends_on with its conditions, healthcheck, restart, user,
        limits and logging; named volumes and networks; services without networks on the project's default network
        under their service names. ${VAR} becomes ${var.VAR} (compose's default as the variable's value), or
        ${secret.VAR} for names that look secret. Every key it could not translate is listed. An existing file is
        never overwritten. PROJECT: --project, else compose's 'name', else the compose file's directory.

          --adopt   the project runs: name its containers, volumes and networks as compose made them, and print
                    the import command that takes them over

        import KIND/NAME... takes over existing containers, networks and volumes that the manifests declare, without
        recreating or restarting them: each is compared with its manifest (image, command, environment, ports,
        mounts, networks, healthcheck and the rest; what it has that the manifest does not declare counts too) and,
        when all match, recorded in the state as reconcile's. Then plan shows no change for them, apply manages them
        like any other, and a change in the manifests replaces them. One that differs is listed with its
        differences and nothing is recorded.

          --allow-differences   import them anyway: the next apply replaces those that differ

        Example:
          docker-compose up -d
          reconcile import compose docker-compose.yml --adopt --out manifests
          reconcile import container/web container/db network/app_default volume/app_data
          reconcile plan
        """
    case "schema":
      body = """
        Usage: reconcile schema

        Prints the JSON Schema (draft 2020-12) of the manifests, built from the kinds this reconcile knows: every
        field of every kind with its type, its allowed words and ranges, which are required, and a line on each
        kind. Editors that read "$schema" then complete and check manifests as they are written. What the schema
        refuses, validate refuses too (an unknown key, a word outside a choice, a value of another type); validate
        checks more (references, paths, ports, names on the host).

        Example:
          reconcile schema > manifests/reconcile.schema.json
          and in a manifest: { "$schema": "./reconcile.schema.json", "apiVersion": "reconcile/v1", … }
        """
    case "destroy":
      body = """
        Usage: reconcile destroy [--auto-approve] [--prune-volumes] [options]

        Removes everything the state records as managed (containers, images, networks, sites, certificates,
        units, jobs, files, …), planned and confirmed like an apply of manifests that declare nothing. Volumes
        are kept unless --prune-volumes; a backup's schedule goes, its archives stay. Objects reconcile does not
        manage are never touched.

        Example:
          reconcile destroy --auto-approve
        """
    case "show":
      body = """
        Usage: reconcile show KIND/NAME [options]

        One resource: where it is declared and what it depends on, its desired attributes, what the host has now,
        when it was last applied, what a plan would do with it, and its last runs in the history. Secrets are
        shown as (sensitive), content by size and digest. Changes nothing.

        Example:
          reconcile show container/jules
        """
    case "graph":
      body = """
        Usage: reconcile graph [--format dot|svg] [options]

        The resources of the manifests and what depends on what, as Graphviz DOT (default) or SVG (through
        Graphviz's dot, when installed), each resource coloured by what a plan would do with it: green in sync,
        amber to change, red to create, replace or destroy. Changes nothing.

        Example:
          reconcile graph --format svg > graph.svg
        """
    case "run-job":
      body = """
        Usage: reconcile run-job NAME [options]

        Runs the installed job NAME once, as its schedule (cron or a systemd timer) does, and records start,
        end, exit status and the output tail in STATE/jobs/NAME/runs.jsonl. Reads the job's 0600 env file;
        with noOverlap, a run that finds the previous one still running is recorded as skipped.
        Exits with the job's exit status.

        Example:
          reconcile run-job sync-notes --manifests /etc/reconcile/manifests --state /var/lib/reconcile
        """
    case "backup":
      body = """
        Usage: reconcile backup run NAME [options]
               reconcile backup list NAME [options]
               reconcile backup restore NAME [ID] --to DIR [--force] [options]
               reconcile backup pin|unpin NAME ID [options]

        run      archives the sources of backup/NAME now (SQLite copied with the online backup API), verifies
                 the archive (checksums re-read, PRAGMA integrity_check on each SQLite copy), applies retention
        list     shows the backups of backup/NAME, oldest first, and why a backup is pinned
        pin      keeps backup ID outside retention; unpin gives it back (backups a container's "backupBefore" took
                 before its replacement are pinned already)
        restore  verifies backup ID (default: the newest verified) and writes its files below DIR at their
                 original paths ('exec' command outputs under DIR/exec/); '--to /' restores in place (command
                 outputs are then left out). Refuses to overwrite existing files without --force.

        Examples:
          reconcile backup run jules-sessions
          reconcile backup restore jules-sessions --to /tmp/restore
        """
    case "alert":
      body = """
        Usage: reconcile alert test [options]

        Sends a test alert to every target under "alerts" in the manifests and says, per target, whether it
        was delivered. Targets: "webhook" (JSON, signed with X-Signature-256 when it has a "secret"),
        "slack" (Slack-compatible incoming webhook) and "telegram" (a bot sendMessage URL and a "chatId").

        Example:
          reconcile alert test --manifests manifests/
        """
    case "controller":
      body = """
        Usage: reconcile controller [options]

        Runs until SIGTERM or SIGINT (then finishes the current step and exits; a canary stops where it is, and
        the next run goes on from there), reconciling on every trigger:
        Docker Engine events of managed objects, changes to the manifests or managed files (inotify), a periodic
        resync, POST /trigger, and new git commits. Runs one at a time; triggers that arrive meanwhile coalesce
        into one follow-up run. Failures back off exponentially; invalid manifests wait for the next revision.

        Drift of the host (the manifests unchanged) is corrected only where the manifests say
        "policy": { "selfHeal": true } (or "selfHeal": true on a resource); otherwise it is reported and alerted.

          --listen HOST:PORT          HTTP endpoints (default 127.0.0.1:9797): /healthz /readyz open;
                                      /metrics /status POST /trigger need 'Authorization: Bearer TOKEN'
          --token-file FILE           the API token (else RECONCILE_CONTROLLER_TOKEN, else STATE/controller.token)
          --resync DUR                periodic full reconciliation (default 5m)
          --backoff-cap DUR           longest wait between retries after failures (default 5m)
          --git URL|PATH              follow this repository (a clone is kept in STATE/git/checkout)
          --branch NAME               branch to follow (default main)
          --path DIR                  manifests inside the repository (default manifests)
          --poll DUR                  how often to look for new commits (default 30s)
          --webhook-secret-file FILE  secret of POST /hooks/git (GitHub, Gitea or GitLab push webhooks;
                                      also RECONCILE_WEBHOOK_SECRET)
          --require-signed            apply only commits that pass 'git verify-commit'
          --allow-rewrite             accept a branch whose history was rewritten (non-fast-forward)
          --log-format text|json      every log line after its time (text, the default), or one JSON object per
                                      line: {"time", "level": "info|warn|error", "msg"}
          --max-log-size SIZE         the managed servers' logs and STATE/history.jsonl move to NAME.1 past this
                                      size (default 10MiB; checked after each run and every minute)

        Example:
          reconcile controller --git https://git.example.org/ops/host.git --branch main --path manifests \\
            --webhook-secret-file /etc/reconcile/webhook.secret --state /var/lib/reconcile
        """
    default:
      body = """
        reconcile \(version): declarative infrastructure for one Linux host.

        Usage: reconcile COMMAND [options]

        Commands:
          validate   check the manifests
          plan       show what apply would change
          apply      make the host match the manifests
          generations  list the releases kept for rollback
          rollback   go back to a generation (default: the previous one)
          logs       a container's output, or a job's or backup's runs
          restart    restart a container (each replica in turn)
          promote    let a canary waiting at a pause go on
          abort      send a canary waiting at a pause back to the old version
          drift      report what changed on the host since the last apply
          status     show what is managed and whether it is in sync
          run-job    run a scheduled job once and record the run
          backup     run, list and restore backups
          alert test send a test alert to every alert target
          fmt        rewrite the manifest files in the canonical layout (--check for CI)
          schema     print the manifests' JSON Schema, for editors
          import     write manifests for a docker compose project; take over existing containers
          controller run continuously: heal or report drift, follow git, send alerts
          help CMD   usage of a command (also: reconcile CMD --help)

        Example:
          reconcile plan --manifests manifests/ && reconcile apply
        """
    }
    return body + "\n\n" + common + "\n"
  }
}
