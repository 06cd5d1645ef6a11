import Foundation
import Testing

@testable import ReconcileCore

/// The YAML compose files are written in, read the way compose's own reader reads it.
@Suite struct YAMLSubsetTests {
  @Test func blocksFlowsScalarsAndComments() throws {
    let doc = try YAMLSubset.parse(
      """
      # a comment
      version: "3.8"
      services:
        web:
          image: 'app:1'   # trailing comment
          command: ["sh", "-c", "echo 'a # b'"]
          ports:
          - "8080:80"
          - 9000:9000
          environment:
            A: 1
            B: "two words"
            C:
          labels: {team: a, tier: "front end"}
          script: |
            line one
              indented
            line three
          folded: >-
            one
            two
      volumes:
        data:
      """)
    let web = try #require(doc["services"]?["web"])
    #expect(doc["version"] == .scalar("3.8", quoted: true))
    #expect(web["image"]?.text == "app:1")
    #expect(web["command"] == .sequence([.scalar("sh", quoted: true), .scalar("-c", quoted: true), .scalar("echo 'a # b'", quoted: true)]))
    #expect(web["ports"] == .sequence([.scalar("8080:80", quoted: true), .scalar("9000:9000", quoted: false)]))
    #expect(web["environment"]?["A"] == .scalar("1", quoted: false) && web["environment"]?["C"] == .null)
    #expect(web["environment"]?["B"]?.text == "two words")
    #expect(web["labels"]?["tier"]?.text == "front end")
    #expect(web["script"]?.text == "line one\n  indented\nline three\n")
    #expect(web["folded"]?.text == "one two")
    #expect(doc["volumes"]?["data"] == .null)
  }

  @Test func anchorsAliasesAndMerges() throws {
    let doc = try YAMLSubset.parse(
      """
      x-logging: &logging
        driver: json-file
        options:
          max-size: 10m
      services:
        a:
          logging: *logging
          <<: &common
            restart: always
            init: true
        b:
          <<: *common
          restart: "no"
      """)
    #expect(doc["services"]?["a"]?["logging"]?["options"]?["max-size"]?.text == "10m")
    #expect(doc["services"]?["a"]?["restart"]?.text == "always")
    #expect(doc["services"]?["b"]?["restart"]?.text == "no" && doc["services"]?["b"]?["init"]?.text == "true")
  }

  /// Hostile and mangled input: an error or a tree, never a crash (a trap would end this test process).
  @Test func noInputCrashesTheReader() throws {
    let seed = try String(contentsOfFile: ComposeImportTests.fixtures + "/jit-docker-compose.yml", encoding: .utf8)
    var inputs = [
      String(repeating: "[", count: 100_000), String(repeating: "{a: ", count: 50_000),
      (0..<5_000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"),
      (0..<5_000).map { String(repeating: "  ", count: $0) + "- " }.joined(separator: "\n"),
      "a: |\n", "a: >-", "- - - -", ": :", "'", "\"", "a: 'b", "a: \"\\", "&a", "*", "<<: 1", "a:\n  <<: [1]", "- &x\n- *x",
      "\u{0}: \u{0}", "a: ${", "a: $$${b:-${c}}",
    ]
    // Every line of the seed cut short, or with its indentation changed.
    let lines = seed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for i in lines.indices {
      var cut = lines
      cut[i] = String(cut[i].prefix(cut[i].count / 2))
      inputs.append(cut.joined(separator: "\n"))
      var shifted = lines
      shifted[i] = " " + shifted[i]
      inputs.append(shifted.joined(separator: "\n"))
    }
    var parsed = 0, refused = 0
    for input in inputs {
      do {
        _ = try YAMLSubset.parse(input)
        parsed += 1
        var importer = ComposeImport(project: "x", directory: "/srv") { _ in nil }
        _ = try? importer.translate(input)
      } catch {
        refused += 1
        #expect(error.line >= 1)
      }
    }
    #expect(parsed > 0 && refused > 0 && parsed + refused == inputs.count)
  }

  @Test func errorsNameTheLine() {
    for (text, line, words) in [
      ("services:\n  a:\n\timage: x\n", 3, "tab"), ("a: [1, 2\n", 1, "never closed"), ("a: *nope\n", 1, "no anchor"),
      ("a: 1\n---\nb: 2\n", 2, "second document"), ("a: !!str 1\n", 1, "tags"),
    ] {
      do {
        _ = try YAMLSubset.parse(text)
        Issue.record("\(text) parsed")
      } catch {
        #expect(error.line == line && error.message.contains(words), "\(error)")
      }
    }
  }
}

/// `reconcile import compose`: the seed guide's own compose file (the JIT tracker's) and a project written here with
/// every key the importer translates; what comes out decodes, and what it cannot translate is listed.
@Suite struct ComposeImportTests {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"

  func translate(_ yaml: String, files: [String: String] = [:]) throws -> ComposeImport.Result {
    var importer = ComposeImport(project: "Shop App", directory: "/srv/shop") { files[$0] }
    return try importer.translate(yaml)
  }

  @Test func theSeedGuidesComposeFile() throws {
    let yaml = try String(contentsOfFile: Self.fixtures + "/jit-docker-compose.yml", encoding: .utf8)
    let result = try translate(yaml)
    let m = try decode(result.manifest)
    #expect(
      m.resources.map(\.id.description).sorted() == [
        "container/api", "container/web", "image/api", "image/web", "network/shop-app-default", "volume/jit-data",
      ])
    let api = try #require(m.resources.first { $0.id.description == "container/api" }?.spec as? ContainerSpec)
    #expect(api.dockerName == "jit-api" && api.restart == "always" && api.ports == [PortMapping(parsing: "127.0.0.1:3000:3000")!])
    #expect(api.healthcheck?.test == ["CMD", "wget", "-q", "--spider", "http://localhost:3000/api/health"])
    #expect(api.log?.options == ["max-size": "10m", "max-file": "3"])
    let web = try #require(m.resources.first { $0.id.description == "container/web" })
    #expect(web.healthGates.map(\.id.description) == ["container/api"])
    #expect(result.untranslated == ["volumes.jit-data.driver_opts: not translated (the volume is created without it)"])
  }

  @Test func everyTranslatedKey() throws {
    let yaml = """
      name: shop
      x-env: &env
        TZ: UTC
      services:
        web:
          build:
            context: ./web
            dockerfile: Containerfile
          image: shop/web:2
          command: gunicorn --bind "0.0.0.0:8000" app:app
          entrypoint: ["/entry.sh"]
          env_file: .env.web
          environment:
            <<: *env
            DATABASE_URL: postgres://shop:${DB_PASSWORD}@db/shop
            MODE: ${MODE:-production}
          ports: ["127.0.0.1:8000:8000", "9000", {target: 53, published: 5353, protocol: udp}]
          volumes:
            - ./static:/srv/static:ro
            - uploads:/srv/uploads
          networks: [front, back]
          depends_on:
            db: {condition: service_healthy}
            cache:
              condition: service_started
          healthcheck:
            test: curl -fs http://localhost:8000/health
            interval: 10s
            start_period: 5s
          restart: on-failure:3
          user: "1000:1000"
          working_dir: /srv
          labels: ["team=shop"]
          logging: {driver: local}
          deploy:
            replicas: 2
            resources: {limits: {memory: 256M, cpus: "0.5"}}
          init: true
          read_only: true
          cap_drop: [ALL]
          stop_signal: SIGQUIT
          stop_grace_period: 20s
          expose: ["8000"]
        db:
          image: postgres:16
          environment:
            - POSTGRES_PASSWORD=${DB_PASSWORD:?set it}
            - POSTGRES_USER
          healthcheck:
            test: ["CMD-SHELL", "pg_isready -U $$POSTGRES_USER -d $${POSTGRES_DB}"]
          networks:
            back:
              aliases: [database]
        cache:
          image: redis:7
          networks: [back]
      volumes:
        uploads:
      networks:
        front:
        back:
          internal: true
      """
    let result = try translate(yaml, files: ["/srv/shop/.env.web": "# web\nexport SECRET_KEY=\"abc\"\nLOG=info\n"])
    let m = try decode(result.manifest, secrets: ["DB_PASSWORD": "db-password-1", "POSTGRES_USER": "unused"])
    let web = try #require(m.resources.first { $0.id.description == "container/web" }?.spec as? ContainerSpec)
    #expect(web.command?.map(\.value) == ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"] && web.entrypoint == ["/entry.sh"])
    #expect(web.env["DATABASE_URL"]?.value == "postgres://shop:db-password-1@db/shop" && web.env["DATABASE_URL"]?.isSensitive == true)
    #expect(web.env["MODE"]?.value == "production" && web.env["TZ"]?.value == "UTC" && web.env["SECRET_KEY"]?.value == "abc" && web.env["LOG"]?.value == "info")
    #expect(web.ports == ["127.0.0.1:8000:8000", "5353:53/udp"].map { PortMapping(parsing: $0)! })
    #expect(web.networks.map(\.network) == ["front", "back"] && web.networks.allSatisfy { $0.aliases == ["web"] })
    #expect(web.healthcheck?.test == ["CMD-SHELL", "curl -fs http://localhost:8000/health"] && web.healthcheck?.startPeriod == 5)
    #expect(web.restart == "on-failure:3" && web.user == "1000:1000" && web.workingDir == "/srv" && web.labels["team"] == "shop")
    #expect(web.memoryBytes == 256 << 20 && web.nanoCPUs == 500_000_000 && web.initProcess == true && web.readOnlyRootfs == true)
    #expect(web.capDrop == ["ALL"] && web.stopSignal == "SIGQUIT" && web.log?.driver == "local")
    let image = try #require(m.resources.first { $0.id.description == "image/web" }?.spec as? ImageSpec)
    #expect(image.reference == "shop/web:2")
    let db = try #require(m.resources.first { $0.id.description == "container/db" }?.spec as? ContainerSpec)
    #expect(db.healthcheck?.test == ["CMD-SHELL", "pg_isready -U $POSTGRES_USER -d ${POSTGRES_DB}"] && db.networks.first?.aliases == ["db", "database"])
    #expect(db.env["POSTGRES_USER"]?.isSensitive == false)
    #expect(result.secrets == ["DB_PASSWORD"])
    #expect(m.project == "shop-app" && !m.resources.contains { $0.id.description.hasPrefix("network/shop-app-default") })
    #expect(m.resources.first { $0.id.description == "network/back" }.map { ($0.spec as? NetworkSpec)?.internal } == true)
    #expect(
      result.untranslated == [
        "services.web.expose: not translated (containers on a network reach every port of each other; nothing to declare)",
        "services.web.ports: '9000' publishes on a random host port; give HOST:CONTAINER",
        "services.web.deploy.replicas: not translated (Swarm deploy settings: see the service kind)",
        "${POSTGRES_USER}: compose gives it no default; the manifest's variable 'POSTGRES_USER' is empty (set it with --var POSTGRES_USER=…)",
      ], "\(result.untranslated)")
  }
}
