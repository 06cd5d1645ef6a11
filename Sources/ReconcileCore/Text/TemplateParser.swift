import Essentials

/// Parses Mustache-style tags into nodes, tracking line numbers for errors.
/// Standalone section and comment tags (alone on their line) leave no blank line behind.
struct TemplateParser {
  let chars: [Character]
  let file: String
  var i = 0
  var line = 1

  init(text: String, file: String) {
    self.chars = Array(text)
    self.file = file
  }

  mutating func parseAll() throws(TemplateError) -> [Template.Node] {
    let (nodes, open) = try parse(until: nil)
    if let open { throw TemplateError(file: file, line: open.line, message: "section '\(open.name)' is never closed") }
    return nodes
  }

  struct Open { let name: String; let line: Int }

  mutating func parse(until closing: Open?) throws(TemplateError) -> ([Template.Node], Open?) {
    var nodes: [Template.Node] = []
    var text = ""
    while i < chars.count {
      if chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" {
        let tagLine = line
        let lineStart = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let atLineStart = onlyBlanksBefore(i)
        i += 2
        var triple = false
        if i < chars.count, chars[i] == "{" {
          triple = true
          i += 1
        }
        var body = ""
        while i < chars.count, !(chars[i] == "}" && i + 1 < chars.count && chars[i + 1] == "}") {
          if chars[i] == "\n" { line += 1 }
          body.append(chars[i])
          i += 1
        }
        guard i < chars.count else { throw TemplateError(file: file, line: tagLine, message: "tag '{{\(body)' is never closed with '}}'") }
        i += 2
        if triple {
          guard i < chars.count, chars[i] == "}" else { throw TemplateError(file: file, line: tagLine, message: "'{{{' must close with '}}}'") }
          i += 1
        }
        let tag = body.trimmingBlanks
        let sigil = triple ? "&" : tag.first.map(String.init) ?? ""
        let name = triple ? tag : tag.dropFirst().trimmingBlanks
        let standalone = ["#", "^", "/", "!", ">"].contains(sigil) && atLineStart && restOfLineIsBlank()
        if standalone {
          text.removeSubrange(lineStart...)
          skipRestOfLine()
        }
        if !text.isEmpty { nodes.append(.text(text)) }
        text = ""
        switch sigil {
        case "!": continue
        case "#", "^":
          guard !name.isEmpty else { throw TemplateError(file: file, line: tagLine, message: "section tag needs a name") }
          let (children, unclosed) = try parse(until: Open(name: name, line: tagLine))
          if let unclosed { throw TemplateError(file: file, line: unclosed.line, message: "section '\(unclosed.name)' is never closed") }
          nodes.append(.section(name: name, inverted: sigil == "^", children: children, line: tagLine))
        case "/":
          guard let closing else { throw TemplateError(file: file, line: tagLine, message: "'{{/\(name)}}' closes a section that was never opened") }
          guard closing.name == name else {
            throw TemplateError(file: file, line: tagLine, message: "'{{/\(name)}}' closes section '\(closing.name)' opened on line \(closing.line)")
          }
          return (nodes, nil)
        case ">":
          nodes.append(.partial(name: name, line: tagLine))
        case "&":
          nodes.append(.variable(name: name, escaped: false, line: tagLine))
        default:
          guard !tag.isEmpty else { throw TemplateError(file: file, line: tagLine, message: "empty tag '{{}}'") }
          nodes.append(.variable(name: tag, escaped: true, line: tagLine))
        }
        continue
      }
      if chars[i] == "\n" { line += 1 }
      text.append(chars[i])
      i += 1
    }
    if !text.isEmpty { nodes.append(.text(text)) }
    return (nodes, closing)
  }

  /// True when only blanks stand between the previous newline (or the start) and `position`.
  func onlyBlanksBefore(_ position: Int) -> Bool {
    var j = position - 1
    while j >= 0, chars[j] != "\n" {
      if chars[j] != " " && chars[j] != "\t" { return false }
      j -= 1
    }
    return true
  }

  func restOfLineIsBlank() -> Bool {
    var j = i
    while j < chars.count, chars[j] != "\n" {
      if chars[j] != " " && chars[j] != "\t" && chars[j] != "\r" { return false }
      j += 1
    }
    return true
  }

  mutating func skipRestOfLine() {
    while i < chars.count, chars[i] != "\n" { i += 1 }
    if i < chars.count {
      i += 1
      line += 1
    }
  }

}
