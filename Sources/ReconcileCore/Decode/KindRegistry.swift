/// What decoding needs beyond the JSON: templates for kinds that render them, the resources already decoded, the git
/// revision.
public struct DecodeContext: Sendable {
  public var templates: any TemplateSource
  /// The specs of the kinds a descriptor `readsPeers` (a site reads its containers' published ports).
  public var peers: [ResourceID: any ResourceSpec]
  /// The git revision of the manifests' work tree, when they are in one (images pushed are also tagged with it); asked
  /// only when a manifest pushes an image.
  public var revision: @Sendable () -> String?
  /// What `${reconcile.NAME}` stands for: this run's own binary, manifests, state directory and engine
  /// (`binary`, `manifests`, `state`, `dockerHost`), so that a manifest can install the controller that follows it.
  public var invocation: [String: String]
  /// The files of the module in a directory (a `module` resource's `source`, resolved), tagged with it; nil when there
  /// is none. Asked only for a module the manifests' own sources do not carry (a saved generation carries its modules).
  public var modules: @Sendable (String) -> [ManifestSource]?

  public init(
    templates: any TemplateSource, peers: [ResourceID: any ResourceSpec] = [:], revision: @escaping @Sendable () -> String? = { nil },
    invocation: [String: String] = [:], modules: @escaping @Sendable (String) -> [ManifestSource]? = { _ in nil }
  ) {
    self.templates = templates
    self.peers = peers
    self.revision = revision
    self.invocation = invocation
    self.modules = modules
  }
}

/// How one kind plugs into the manifest language and the planner.
public struct KindDescriptor: Sendable {
  public typealias Decode = @Sendable (ResourceID, inout FieldReader, DecodeContext) -> (any ResourceSpec)?

  public let name: String
  public let decode: Decode
  /// When set, prune keeps objects of this kind and the plan shows this reason (e.g. volumes).
  public let keptOnPrune: String?
  /// Kinds whose decoded specs this kind reads from `DecodeContext.peers`: it is decoded after them (and after the
  /// kinds they read). The relation must not cycle; `KindRegistry.phase(of:)` stops at a cycle.
  public let readsPeers: [String]

  public init(name: String, keptOnPrune: String? = nil, readsPeers: [String] = [], decode: @escaping Decode) {
    self.name = name
    self.keptOnPrune = keptOnPrune
    self.readsPeers = readsPeers
    self.decode = decode
  }
}

/// The kinds the manifest language knows.
public struct KindRegistry: Sendable {
  public private(set) var kinds: [String: KindDescriptor] = [:]

  public init(_ kinds: [KindDescriptor] = []) {
    for k in kinds { register(k) }
  }

  /// When a kind decodes: 0 for a kind that reads no peers, else one after the latest kind it reads
  /// (images 0, containers 1, sites 2).
  public func phase(of kind: String, visiting: Set<String> = []) -> Int {
    guard let d = kinds[kind], !d.readsPeers.isEmpty, !visiting.contains(kind) else { return 0 }
    return 1 + d.readsPeers.map { phase(of: $0, visiting: visiting.union([kind])) }.max()!
  }

  public mutating func register(_ kind: KindDescriptor) { kinds[kind.name] = kind }

  public subscript(name: String) -> KindDescriptor? { kinds[name] }

  /// The kinds of this scope; later kinds register alongside.
  public static var builtIn: KindRegistry {
    KindRegistry([
      FileSpec.descriptor, DirectorySpec.descriptor,
      ImageSpec.descriptor, ContainerSpec.descriptor, ServiceSpec.descriptor, NodeSpec.descriptor, NetworkSpec.descriptor, VolumeSpec.descriptor,
      SiteSpec.descriptor, CertificateSpec.descriptor,
      UnitSpec.descriptor, JobSpec.descriptor, BackupSpec.descriptor, UserSpec.descriptor, GroupSpec.descriptor,
    ])
  }
}
