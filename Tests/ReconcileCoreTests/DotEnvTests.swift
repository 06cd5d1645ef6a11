import Essentials
import Testing

/// docker compose's env-file rules, pinned: reconcile's env file and jules's .env read the same way.
@Suite struct DotEnvTests {
  @Test(arguments: [
    ("A=1", ["A": "1"]),
    ("export A=1", ["A": "1"]),
    ("  A = 1  ", ["A": "1"]),
    ("# comment\n\nA=1\n", ["A": "1"]),
    ("A=1\r\nB=2\r\n", ["A": "1", "B": "2"]),
    ("A=VAL # comment", ["A": "VAL"]),
    ("A=VAL# not a comment", ["A": "VAL# not a comment"]),
    ("A=\"VAL # not a comment\"", ["A": "VAL # not a comment"]),
    ("A=\"VAL\" # comment", ["A": "VAL"]),
    ("A='$OTHER'", ["A": "$OTHER"]),
    ("A=${OTHER}", ["A": "${OTHER}"]),
    ("A='Let\\'s go!'", ["A": "Let's go!"]),
    ("A=\"{\\\"hello\\\": \\\"json\\\"}\"", ["A": "{\"hello\": \"json\"}"]),
    ("A=\"some\\tvalue\"", ["A": "some\tvalue"]),
    ("A='some\\tvalue'", ["A": "some\\tvalue"]),
    ("A=\"line one\nline two\"\nB=3", ["A": "line one\nline two", "B": "3"]),
    ("A=\"crlf\r\nkept as lf\"", ["A": "crlf\nkept as lf"]),
    ("A=", ["A": ""]),
    ("A=a=b", ["A": "a=b"]),
    ("A=p@ss#word", ["A": "p@ss#word"]),
  ])
  func valuesAreReadAsComposeReadsThem(text: String, expected: [String: String]) throws {
    #expect(try DotEnv.parse(text) == expected)
  }

  @Test(arguments: [
    ("A=1\nBROKEN LINE\n", "line 2: expected KEY=value"),
    ("=1", "line 1: expected KEY=value, with no space in KEY"),
    ("MY KEY=1", "line 1: expected KEY=value, with no space in KEY"),
    ("A=\"never closed\nB=2", "line 1: the quote \" is never closed"),
  ])
  func malformedLinesNameTheirLineNeverTheValue(text: String, expected: String) {
    #expect(throws: DotEnv.Malformed.self) { try DotEnv.parse(text) }
    do {
      _ = try DotEnv.parse(text)
    } catch {
      #expect(error.description == expected)
    }
  }
}
