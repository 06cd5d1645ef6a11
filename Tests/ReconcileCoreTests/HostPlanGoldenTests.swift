import Foundation
import Testing
@testable import ReconcileCore

/// Golden plans of the host kinds: units (offline and live), jobs and backups with their run health.
@Suite struct HostPlanGoldenTests {
  static let unitJSON = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "unit", "name": "web", "content": "[Service]\nExecStart=/bin/web\n", "dropIns": { "10-env.conf": "[Service]\nEnvironment=A=1\n" } } ] }
    """#

  static func unit(_ content: String = "[Service]\nExecStart=/bin/web\n", live: Bool, state: String = "active", sub: String = "running", restarts: String = "0") -> Observation {
    var facts: [Fact: String] = [.systemd: live ? "running" : "offline"]
    if live {
      facts[.activeState] = state
      facts[.subState] = sub
      facts[.restarts] = restarts
    }
    return Observation(exists: true, attributes: ["content": content, "dropIn:10-env.conf": "[Service]\nEnvironment=A=1\n", "enabled": "true"], facts: facts)
  }

  @Test func unitCreate() throws {
    #expect(
      PlanTextRenderer().render(plan(try decode(Self.unitJSON))) == """
        reconcile will perform these actions:

          + unit/web (not present on the host)
              root               = "/"
              unit               = "web.service"
              unitDirectory      = "/etc/systemd/system"
              content           : 29 bytes, 2 lines
                  @@ -0,0 +1,2 @@
                  +[Service]
                  +ExecStart=/bin/web
              dropIn:10-env.conf: 26 bytes, 2 lines
                  @@ -0,0 +1,2 @@
                  +[Service]
                  +Environment=A=1

        Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.

        """)
  }

  @Test func offlineChangeSaysSystemdIsNotPID1() throws {
    let m = try decode(Self.unitJSON)
    let p = plan(m, observed: ["unit/web": Self.unit("[Service]\nExecStart=/bin/old\n", live: false)], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ unit/web (content changed; systemd is not PID 1 here: files and enable links are installed offline; nothing is started or restarted)
              content   :
                  @@ -1,2 +1,2 @@
                   [Service]
                  -ExecStart=/bin/old
                  +ExecStart=/bin/web
              activation = "none (systemd is not PID 1)"

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
    #expect(plan(m, observed: ["unit/web": Self.unit(live: false)], state: applied(m)).isEmpty)
  }

  @Test func liveActivationFollowsWhatChanged() throws {
    let m = try decode(Self.unitJSON)
    func reasons(_ o: Observation, _ json: String = HostPlanGoldenTests.unitJSON) throws -> [String] {
      let m = try decode(json)
      return plan(m, observed: ["unit/web": o], state: applied(m)).steps.flatMap(\.reasons)
    }
    let changed = "[Service]\nExecStart=/bin/old\n"
    #expect(try reasons(Self.unit(changed, live: true)) == ["content changed", "unit files changed; will daemon-reload and restart"])
    let reload = Self.unitJSON.replacingOccurrences(of: #""kind": "unit", "name": "web","#, with: #""kind": "unit", "name": "web", "onChange": "reload","#)
    #expect(try reasons(Self.unit(changed, live: true), reload) == ["content changed", "unit files changed; will daemon-reload and reload"])
    #expect(try reasons(Self.unit(live: true, state: "failed", sub: "failed", restarts: "3")) == ["unit is failed (failed), 3 restarts; will start"])
    #expect(try reasons(Self.unit(changed, live: true, state: "inactive", sub: "dead")) == ["content changed", "unit is inactive (dead); will start"])
    let stopped = Self.unitJSON.replacingOccurrences(of: #""kind": "unit", "name": "web","#, with: #""kind": "unit", "name": "web", "running": false,"#)
    #expect(try reasons(Self.unit(live: true), stopped) == ["unit is active (running); will stop"])
    #expect(plan(m, observed: ["unit/web": Self.unit(live: true)], state: applied(m)).isEmpty)
    let any = Self.unitJSON.replacingOccurrences(of: #""kind": "unit", "name": "web","#, with: #""kind": "unit", "name": "web", "running": "any","#)
    #expect(try reasons(Self.unit(live: true, state: "inactive", sub: "dead"), any) == [])
    let step = plan(m, observed: ["unit/web": Self.unit(changed, live: true)], state: applied(m)).steps[0]
    #expect(step.changes.last == FieldChange(field: "activation", before: .value("active"), after: .value("restart")))
  }

  static let jobJSON = #"""
    { "apiVersion": "reconcile/v1", "resources": [
      { "kind": "job", "name": "sync-notes", "schedule": "*/5 * * * *", "command": "curl -fsS http://127.0.0.1:8080/api/sync/litewriter",
        "environment": { "TOKEN": "${secret.TOKEN}" }, "timeout": "2m" } ] }
    """#

  static func installed(_ m: Manifest, facts: [Fact: String]) -> Observation {
    let spec = m.resources[0].spec
    var attrs: [String: String] = [:]
    for a in spec.attributes { attrs[a.name] = a.value }
    return Observation(exists: true, attributes: attrs, facts: facts)
  }

  @Test func aJobDeclaredAbsentIsRemovedAndThenLeftAlone() throws {
    let m = try decode(Self.jobJSON.replacingOccurrences(of: #""name": "sync-notes","#, with: #""name": "sync-notes", "ensure": "absent","#), secrets: ["TOKEN": "t0ken-value"])
    let installed = Self.installed(m, facts: [.installedAt: String(Int(epoch.timeIntervalSince1970 - 7200))])
    #expect(
      PlanTextRenderer().render(plan(m, observed: ["job/sync-notes": installed], state: applied(m))) == """
        reconcile will perform these actions:

          - job/sync-notes (ensure is 'absent')

        Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.

        """)
    #expect(plan(m, observed: ["job/sync-notes": .absent], state: applied(m)).isEmpty, "an absent job is neither late nor failing")
  }

  @Test func aLateJobIsDriftWithItsLastSuccess() throws {
    let m = try decode(Self.jobJSON, secrets: ["TOKEN": "t0ken-value"])
    let late = Self.installed(
      m, facts: [.installedAt: "\(epoch.timeIntervalSince1970 - 86400)", .lastSuccess: "\(epoch.timeIntervalSince1970 - 3 * 3600 - 60)", .failures: "0"])
    let p = plan(m, observed: ["job/sync-notes": late], state: applied(m))
    #expect(
      PlanTextRenderer().render(p) == """
        reconcile will perform these actions:

          ~ job/sync-notes (last success 3h ago, expected every 5m)

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
    let report = DriftAnalyzer(form: testForm).analyze(m, observed: ObservedState([ResourceID(kind: "job", name: "sync-notes"): late]), state: applied(m), plan: p, now: epoch)
    #expect(DriftRenderer().text(report).contains("changed    job/sync-notes: last success 3h ago, expected every 5m\n"))
    let fresh = Self.installed(m, facts: [.installedAt: "\(epoch.timeIntervalSince1970 - 86400)", .lastSuccess: "\(epoch.timeIntervalSince1970 - 200)"])
    #expect(plan(m, observed: ["job/sync-notes": fresh], state: applied(m)).isEmpty)
    let new = Self.installed(m, facts: [.installedAt: "\(epoch.timeIntervalSince1970 - 60)"])
    #expect(plan(m, observed: ["job/sync-notes": new], state: applied(m)).isEmpty)
    let never = Self.installed(m, facts: [.installedAt: "\(epoch.timeIntervalSince1970 - 7200)"])
    #expect(plan(m, observed: ["job/sync-notes": never], state: applied(m)).steps[0].reasons == ["no success since it was installed 2h ago, expected every 5m"])
  }

  @Test func repeatedFailuresAreReportedAfterN() throws {
    let m = try decode(Self.jobJSON, secrets: ["TOKEN": "t0ken-value"])
    let now = epoch.timeIntervalSince1970
    let two = Self.installed(m, facts: [.lastSuccess: "\(now - 400)", .failures: "2", .lastStatus: "exit status 7"])
    #expect(plan(m, observed: ["job/sync-notes": two], state: applied(m)).isEmpty)
    let three = Self.installed(m, facts: [.lastSuccess: "\(now - 400)", .failures: "3", .lastStatus: "exit status 7"])
    #expect(plan(m, observed: ["job/sync-notes": three], state: applied(m)).steps[0].reasons == ["failed 3 times in a row (last: exit status 7)"])
  }

  @Test func jobCreateShowsNoSecretAndChangedArtifactsAreRepaired() throws {
    let m = try decode(Self.jobJSON, secrets: ["TOKEN": "t0ken-value"])
    let text = PlanTextRenderer().render(plan(m))
    #expect(
      text == """
        reconcile will perform these actions:

          + job/sync-notes (not present on the host)
              cronDirectory = "/etc/cron.d"
              job           = "sync-notes"
              runner        = "cron"
              schedule      = "*/5 * * * *"
              command       = "curl -fsS http://127.0.0.1:8080/api/sync/litewriter"
              user          = "root"
              environment   = (sensitive value)
              timeout       = "2m"
              noOverlap     = "true"

        Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.

        """)
    let edited = Self.installed(m, facts: [.artifact: "the cron file '/etc/cron.d/reconcile-sync-notes' differs from what reconcile installs"])
    #expect(
      plan(m, observed: ["job/sync-notes": edited], state: applied(m)).steps[0].reasons == ["the cron file '/etc/cron.d/reconcile-sync-notes' differs from what reconcile installs"]
    )
    var moved = applied(m)
    moved.resources[ResourceID(kind: "job", name: "sync-notes")]!.locator["runner"] = "systemd"
    #expect(plan(m, observed: ["job/sync-notes": Self.installed(m, facts: [:])], state: moved).steps[0].reasons == ["runner changed: 'systemd' -> 'cron'"])
  }

  @Test func anOldLastGoodBackupIsDrift() throws {
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "backup", "name": "sessions", "sources": [ { "sqlite": "/srv/jules/sessions.sqlite" } ], "destination": "/var/backups/reconcile", "schedule": "@daily", "keep": { "daily": 7 } } ] }"#
    )
    let now = epoch.timeIntervalSince1970
    let old = Self.installed(m, facts: [.installedAt: "\(now - 10 * 86400)", .lastGood: "\(now - 2 * 86400 - 100)"])
    #expect(
      PlanTextRenderer().render(plan(m, observed: ["backup/sessions": old], state: applied(m))) == """
        reconcile will perform these actions:

          ~ backup/sessions (last good backup 2d ago, expected every 1d)

        Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.

        """)
    let recent = Self.installed(m, facts: [.installedAt: "\(now - 10 * 86400)", .lastGood: "\(now - 3600)"])
    #expect(plan(m, observed: ["backup/sessions": recent], state: applied(m)).isEmpty)
    #expect(m.resources[0].spec.attributes.map(\.name) == ["schedule", "sources", "keep", "user", "noOverlap"])
  }

  @Test func onlyUnitsWithAnInstallSectionAreEnabled() throws {
    func spec(_ content: String, _ extra: String = "") throws -> UnitSpec? {
      try decode(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "unit", "name": "u", "content": "\#(content)"\#(extra) } ] }"#).resources[0].spec as? UnitSpec
    }
    #expect(try spec("[Service]\\nExecStart=/bin/true\\n")?.enabled == nil)
    #expect(try spec("[Service]\\nExecStart=/bin/true\\n")?.attributes.map(\.name) == ["content"])
    #expect(try spec("[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n")?.enabled == true)
    #expect(try spec("[Service]\\nExecStart=/bin/true\\n", #", "enabled": false"#)?.enabled == false)
    #expect(
      issues(#"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "unit", "name": "u", "content": "[Service]\nExecStart=/bin/true\n", "enabled": true } ] }"#) == [
        "m.json: resources[0] 'unit/u': enabled: the unit has no [Install] section, so it cannot be enabled; add one (e.g. WantedBy=multi-user.target) or leave 'enabled' out"
      ])
  }

  @Test func unitsRenderFromTemplates() throws {
    let m = try decode(
      #"{ "apiVersion": "reconcile/v1", "resources": [ { "kind": "unit", "name": "app", "template": { "name": "host/app.service", "vars": { "bin": "/usr/local/bin/app", "port": 8080 } } } ] }"#,
      templates: ["host/app.service": "[Service]\nExecStart={{bin}} --port {{port}}\n"])
    let spec = try #require(m.resources[0].spec as? UnitSpec)
    #expect(spec.content.value == "[Service]\nExecStart=/usr/local/bin/app --port 8080\n")
    #expect(spec.unitName == "app.service")
  }
}
