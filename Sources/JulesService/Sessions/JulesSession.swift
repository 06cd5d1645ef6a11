/// A Jules session in the Jules API v1alpha shape.
public struct JulesSession: Codable, Equatable, Sendable {
  public var name: String?
  public var id: String
  public var title: String?
  public var prompt: String?
  public var sourceContext: JSONValue?
  public var state: String?
  public var createTime: String?
  public var updateTime: String?
  public var url: String?
  public var outputs: JSONValue?

  public init(
    id: String, title: String? = nil, prompt: String? = nil, state: String? = nil,
    createTime: String? = nil, updateTime: String? = nil, url: String? = nil, outputs: JSONValue? = nil
  ) {
    self.name = "sessions/\(id)"
    self.id = id
    self.title = title
    self.prompt = prompt
    self.state = state
    self.createTime = createTime
    self.updateTime = updateTime
    self.url = url
    self.outputs = outputs
  }
}

/// One page of `GET /sessions`.
public struct SessionPage: Codable, Sendable {
  public var sessions: [JulesSession]?
  public var nextPageToken: String?
  public init(sessions: [JulesSession], nextPageToken: String?) {
    self.sessions = sessions
    self.nextPageToken = nextPageToken
  }
}

/// A change to one session seen by the poller.
public struct SessionDelta: Codable, Equatable, Sendable {
  public enum ChangeType: String, Codable, Sendable { case created, updated, deleted }
  public var changeType: ChangeType
  public var before: JulesSession?
  public var after: JulesSession?
  public var timestamp: String

  public var sessionID: String { after?.id ?? before?.id ?? "" }

  enum CodingKeys: String, CodingKey { case changeType, before, after, timestamp }

  /// The peer's own names on its WebSocket (`id`, `change`), written beside the guide's.
  enum PeerKeys: String, CodingKey { case id, change }

  /// `before` and `after` are always present, `null` when absent, as the guide writes them; `id` and `change` as the
  /// peer's WebSocket clients read them.
  public func encode(to encoder: Encoder) throws {
    var peer = encoder.container(keyedBy: PeerKeys.self)
    try peer.encode(sessionID, forKey: .id)
    try peer.encode(changeType, forKey: .change)
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(changeType, forKey: .changeType)
    try c.encode(before, forKey: .before)
    try c.encode(after, forKey: .after)
    try c.encode(timestamp, forKey: .timestamp)
  }
}
