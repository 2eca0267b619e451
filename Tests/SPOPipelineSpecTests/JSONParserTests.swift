import Foundation
import XCTest
@testable import SPOPipelineSpec

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode {
        try JSONParser.parse(Array(text.utf8))
    }

    /// The error for `text` as `line:column: expected …, found …`.
    private func failure(_ text: String) -> String {
        do {
            let node = try parse(text)
            return "parsed \(node)"
        } catch {
            return "\(error.line):\(error.column): expected \(error.expected), found \(error.found)"
        }
    }

    func testKeepsMemberOrderRepeatedKeysAndNumberText() throws {
        let node = try parse(#"{"b": 1.50, "a": [true, null, -2e-3], "b": "x"}"#)
        XCTAssertEqual(node, .object([
            JSONMember(key: "b", value: .number(text: "1.50", value: 1.5)),
            JSONMember(key: "a", value: .array([.bool(true), .null, .number(text: "-2e-3", value: -0.002)])),
            JSONMember(key: "b", value: .string("x")),
        ]))
        // The plain value keeps the last of a repeated key.
        XCTAssertEqual(node.value, ["b": "x", "a": [true, nil, -0.002]])
    }

    func testStringEscapes() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#), .string("a\"b\\c/d\n\té😀"))
        XCTAssertEqual(try parse("\"é😀\""), .string("é😀"))
    }

    func testByteOrderMarkAndWhitespaceAreSkipped() throws {
        XCTAssertEqual(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array(" \r\n\t{}\n".utf8)), .object([]))
    }

    func testSyntaxErrorsSayWhereAndWhat() {
        XCTAssertEqual(failure("{\"é\": x}"), "1:7: expected a value, found 'x'")
        XCTAssertEqual(failure("{\n  \"a\": 01\n}"), "2:8: expected no leading zero in a number, found '0'")
        XCTAssertEqual(failure("[1.]"), "1:4: expected a digit after the decimal point, found ']'")
        XCTAssertEqual(failure("[-]"), "1:3: expected a digit after '-', found ']'")
        XCTAssertEqual(failure("[NaN]"), "1:2: expected a value (JSON has no NaN or Infinity), found 'N'")
        XCTAssertEqual(failure("{'a': 1}"), "1:2: expected a key in double quotes, found '''")
        XCTAssertEqual(failure("['a']"), "1:2: expected a value (JSON strings use double quotes), found '''")
        XCTAssertEqual(failure("[True]"), "1:2: expected a value, found 'T'")
        XCTAssertEqual(failure("[tru]"), "1:2: expected a value (\"true\" is spelled in lower case), found 't'")
        XCTAssertEqual(failure("[1, 2,]"), "1:7: expected a value (a trailing comma is not allowed in JSON), found ']'")
        XCTAssertEqual(failure("{} x"), "1:4: expected the end of the input after the top-level value, found 'x'")
        XCTAssertEqual(failure("\"a\nb\""), "1:3: expected '\"' to close the string (control characters must be escaped), found a line break")
        XCTAssertEqual(failure(#""\x""#), "1:3: expected one of \" \\ / b f n r t u after '\\', found 'x'")
        XCTAssertEqual(failure(#""\udc00""#), "1:2: expected a high surrogate before a low surrogate, found '\\'")
        XCTAssertEqual(failure(#""\ud83d\u0041""#), "1:8: expected a low surrogate '\\uDC00'…'\\uDFFF' after a high surrogate, found '\\'")
        XCTAssertEqual(failure("1e999"), "1:1: expected a number within the range of a 64-bit float, found '1'")
        XCTAssertEqual(failure(""), "1:1: expected a value, found the end of the input")
        XCTAssertEqual(failure("name: grpo\n"), "1:1: expected a JSON value (a pipeline spec is JSON, not YAML), found 'n'")
        XCTAssertEqual(
            failure(String(repeating: "[", count: 300)),
            "1:257: expected at most 256 nested arrays and objects, found '['")
    }

    func testInvalidUTF8IsAnError() {
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xFF, 0x22]))
    }
}

final class SuggestionTests: XCTestCase {
    func testEditDistanceByHand() {
        XCTAssertEqual(Suggestion.editDistance("kitten", "sitting"), 3)  // k→s, e→i, +g
        XCTAssertEqual(Suggestion.editDistance("flaw", "lawn"), 2)  // −f, +n
        XCTAssertEqual(Suggestion.editDistance("", "abc"), 3)
        XCTAssertEqual(Suggestion.editDistance("same", "same"), 0)
    }

    func testNearestKey() {
        let keys = SpecResolver.optimizeKeys
        XCTAssertEqual(Suggestion.nearest(to: "clip_epsilom", in: keys), "clip_epsilon")
        XCTAssertEqual(Suggestion.nearest(to: "ClipEpsilon", in: keys), "clip_epsilon")
        XCTAssertEqual(Suggestion.nearest(to: "epoch", in: keys), "epochs")
        XCTAssertEqual(Suggestion.nearest(to: "temp", in: SpecResolver.samplingKeys), "temperature")
        XCTAssertNil(Suggestion.nearest(to: "banana", in: keys))
        XCTAssertNil(Suggestion.nearest(to: "kl_coef", in: ["beta", "estimator"]))
    }
}
