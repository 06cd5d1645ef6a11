import Foundation

/// The JSON coders for the Engine's wire models.
///
/// One key style: every model spells the Engine's keys (mostly PascalCase) in explicit `CodingKeys`, and these
/// coders convert no keys (a per-key conversion costs about a millisecond per large body, and listing and
/// inspecting are on the no-op plan's path). Keys of dictionaries (labels, networks, ports) are data.
enum DockerJSON {
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
  }()

  static let decoder = JSONDecoder()

  /// The answer of the create calls (`POST /containers/create`, `POST /networks/create`).
  struct Created: Decodable {
    var id: String
    enum CodingKeys: String, CodingKey { case id = "Id" }
  }

  static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder.encode(value) }

  static func decode<T: Decodable>(_ type: T.Type, from data: Data, call: @autoclosure () -> String) throws -> T {
    do {
      return try decoder.decode(type, from: data)
    } catch {
      throw DockerEngineError.unexpectedResponse(call: call(), cause: "cannot decode \(T.self): \(error)")
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
