import DockerEngine
import Foundation
import ReconcileCore

/// Images named by `ref`, pulled from their registry through the Engine with the resource's credentials (sent as
/// `X-Registry-Auth`, never shown): what the registry has now, and the pull. A refusal (wrong password, unknown
/// repository, unreachable registry) names the reference, the registry and the user, with the Engine's own words.
struct RegistryPull: Sendable {
  let client: DockerEngineClient

  static func auth(_ spec: ImageSpec) -> RegistryAuth? {
    spec.registry.map { RegistryAuth(server: $0.server, username: $0.username, password: $0.password.value) }
  }

  /// The digest the registry has for the image's reference now. Calls `GET /distribution/{name}/json`.
  func digest(_ spec: ImageSpec) async throws -> String {
    do {
      return try await client.registryDigest(spec.reference, auth: Self.auth(spec))
    } catch let error as DockerEngineError {
      throw Self.refused("ask the registry about", spec, error)
    }
  }

  /// Pulls the image's reference. Calls `POST /images/create`.
  func pull(_ spec: ImageSpec) async throws {
    do {
      try await client.pullImage(spec.reference, auth: Self.auth(spec))
    } catch let error as DockerEngineError {
      throw Self.refused("pull", spec, error)
    }
  }

  /// The references of a `push` image that the registry does not have as this image (nil: it has them all): a tag the
  /// registry does not know, or one whose digest is not among the image's own repository digests.
  func unpushed(_ spec: ImageSpec, image id: String) async throws -> [String]? {
    let image = try await client.inspectImage(id)
    var missing: [String] = []
    for reference in spec.pushed {
      var copy = spec
      copy.reference = reference
      do {
        let remote = try await client.registryDigest(reference, auth: Self.auth(spec))
        if Self.localDigest(of: image, reference: reference) != remote { missing.append(reference) }
      } catch let error as DockerEngineError where error.isNotFound {
        missing.append(reference)
      } catch let error as DockerEngineError {
        throw Self.refused("ask the registry about", copy, error)
      }
    }
    return missing.isEmpty ? nil : missing
  }

  /// Pushes every reference of a `push` image. Calls `POST /images/{name}/push`.
  func push(_ spec: ImageSpec) async throws {
    for reference in spec.pushed {
      let (repository, tag) = DockerImageReference.split(reference)
      do {
        guard reference != spec.reference else {
          try await client.pushImage(repository: repository, tag: tag, auth: Self.auth(spec))
          continue
        }
        // The revision's tag is for the registry: here it would only keep old images from being removed.
        try await client.tagImage(spec.reference, repo: repository, tag: tag)
        do {
          try await client.pushImage(repository: repository, tag: tag, auth: Self.auth(spec))
        } catch {
          try? await client.removeImage(reference)
          throw error
        }
        try? await client.removeImage(reference)
      } catch let error as DockerEngineError {
        var copy = spec
        copy.reference = reference
        throw Self.refused("push", copy, error)
      }
    }
  }

  static func refused(_ what: String, _ spec: ImageSpec, _ error: DockerEngineError) -> OperationError {
    let who = spec.registry.map { " as '\($0.username)' at '\($0.server)'" } ?? " (no credentials given)"
    let detail = "could not \(what) '\(spec.reference)'\(who): \(error)"
    return OperationError(cause: .engine(status: error.status, detail: detail), retryable: error.isRetryable)
  }

  /// The digest the image here came with from the reference's repository (`repo@sha256:…` in its RepoDigests).
  static func localDigest(of image: DockerImageInspect, reference: String) -> String? {
    let repository = repository(of: reference)
    return (image.repoDigests ?? []).first { $0.hasPrefix(repository + "@") }.map { String($0.dropFirst(repository.count + 1)) }
  }

  /// `registry:5000/team/app:1` -> `registry:5000/team/app`.
  static func repository(of reference: String) -> String {
    let noDigest = reference.split(separator: "@").first.map(String.init) ?? reference
    let slash = noDigest.lastIndex(of: "/")
    guard let colon = noDigest.lastIndex(of: ":"), slash.map({ colon > $0 }) ?? true else { return noDigest }
    return String(noDigest[..<colon])
  }
}
