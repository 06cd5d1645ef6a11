import Foundation

/// JSON coders that map the Engine's PascalCase keys to Swift's camelCase properties.
///
/// Keys of dictionaries (labels, networks, ports) are left alone by Foundation.
enum DockerJSON {
  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.keyEncodingStrategy = .custom { path in
      Key(stringValue: engineKey(path.last!.stringValue))
    }
    return encoder
  }()

  static let decoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .custom { path in
      Key(stringValue: swiftKey(path.last!.stringValue))
    }
    return decoder
  }()

  /// `hostConfig` -> `HostConfig`.
  static func engineKey(_ key: String) -> String {
    key.prefix(1).uppercased() + key.dropFirst()
  }

  /// `HostConfig` -> `hostConfig`, `ID` -> `id`, `OOMKilled` -> `oomKilled`, `ImageID` -> `imageID`.
  static func swiftKey(_ key: String) -> String {
    let chars = Array(key)
    var upper = 0
    while upper < chars.count, chars[upper].isUppercase { upper += 1 }
    if upper == 0 { return key }
    if upper == chars.count { return key.lowercased() }
    let lowered = upper == 1 ? 1 : upper - 1
    return String(chars[..<lowered]).lowercased() + String(chars[lowered...])
  }

  static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }

  /// For types whose `CodingKeys` spell the Engine's own keys: no per-key conversion, which costs about a
  /// millisecond per large body (listing and inspecting are on the no-op plan's path).
  static let engineKeyed = JSONDecoder()

  static func decode<T: Decodable>(_ type: T.Type, from data: Data, call: String, using decoder: JSONDecoder = decoder) throws -> T {
    do {
      return try decoder.decode(type, from: data)
    } catch {
      throw DockerEngineError.unexpectedResponse(call: call, cause: "cannot decode \(T.self): \(error)")
    }
  }

  /// The Engine's `{"message": "..."}` error body, or the raw text.
  static func message(from body: Data) -> String {
    struct ErrorBody: Decodable { var message: String }
    if let parsed = try? decoder.decode(ErrorBody.self, from: body) {
      return parsed.message.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "(empty body)" : text
  }

  /// `filters={"label":["a=b"]}` as the Engine expects it.
  static func filters(_ filters: [String: [String]]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: filters, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}
