import SPOModel
import XCTest

/// One token per UTF-8 byte (ids 0…255), EOS = 256, PAD = 257: a stand-in for byte-level
/// BPE, whose tokens can split a character.
private struct ByteTokenizer: Tokenizer {
    var vocabularySize: Int { 258 }
    var eosTokenID: Int32 { 256 }
    var bosTokenID: Int32? { nil }
    var padTokenID: Int32 { 257 }

    func encode(_ text: String) -> [Int32] {
        text.utf8.map { Int32($0) }
    }

    func decode(_ tokens: [Int32]) -> String {
        String(decoding: tokens.filter { $0 < 256 }.map { UInt8($0) }, as: UTF8.self)
    }
}

final class StopConditionTests: XCTestCase {
    private let characters = CharacterTokenizer.makeDefault()

    /// Feeds `tokens` until the checker stops; returns how many were taken and why.
    private func run(_ checker: inout StopChecker, _ tokens: [Int32]) -> (
        count: Int, reason: StopReason?
    ) {
        for (index, token) in tokens.enumerated() {
            if let reason = checker.append(token) {
                return (index + 1, reason)
            }
        }
        return (tokens.count, nil)
    }

    func testStopStringAcrossTokenBoundaries() throws {
        var checker = try StopChecker(
            tokenizer: characters, eosTokenIDs: [2], stopStrings: ["END", "\n\n"], maxTokens: 100)
        let tokens = characters.encode("The ENd\nEN") + characters.encode("D and more")
        let result = run(&checker, tokens)
        XCTAssertEqual(result.count, 11)  // "The ENd\nEND" is 11 characters
        XCTAssertEqual(result.reason, .stopString)
        XCTAssertEqual(checker.matchedStopString, "END")
        XCTAssertEqual(characters.decode(checker.tokens), "The ENd\nEND")
    }

    func testStopStringSpanningASkippedSpecialToken() throws {
        var checker = try StopChecker(
            tokenizer: characters, eosTokenIDs: [2], stopStrings: ["\n\n"], maxTokens: 100)
        let result = run(&checker, characters.encode("ab\n") + [0, 1] + characters.encode("\nc"))
        XCTAssertEqual(result.count, 6)
        XCTAssertEqual(result.reason, .stopString)
    }

    func testMaxTokens() throws {
        var checker = try StopChecker(
            tokenizer: characters, eosTokenIDs: [2], stopStrings: ["zz"], maxTokens: 3)
        XCTAssertNil(checker.append(69))
        XCTAssertNil(checker.append(70))
        XCTAssertEqual(checker.append(71), .maxTokens)
        XCTAssertEqual(checker.tokens, [69, 70, 71])
    }

    func testPrecedenceEosThenStopStringThenMaxTokens() throws {
        var eosLast = try StopChecker(
            tokenizer: characters, eosTokenIDs: [2, 3], stopStrings: ["a"], maxTokens: 2)
        let a = characters.encode("a")[0], b = characters.encode("b")[0]
        XCTAssertNil(eosLast.append(b))
        XCTAssertEqual(eosLast.append(3), .eos)
        XCTAssertEqual(eosLast.tokens, [b, 3])

        var stopLast = try StopChecker(
            tokenizer: characters, eosTokenIDs: [2], stopStrings: ["ba"], maxTokens: 2)
        XCTAssertNil(stopLast.append(b))
        XCTAssertEqual(stopLast.append(a), .stopString)
    }

    func testParametersGiveTheTokenizerEos() throws {
        let parameters = try SamplingParameters(maxTokens: 10, stopStrings: ["!"], seed: 0)
        var checker = StopChecker(tokenizer: characters, parameters: parameters)
        XCTAssertEqual(checker.eosTokenIDs, [2])
        XCTAssertNil(checker.append(69))
        XCTAssertEqual(checker.append(2), .eos)
    }

    /// "€" is E2 82 AC. After 2100 byte tokens of "€€…", the stop string "€x" must still be
    /// found although only a short tail, starting inside a "€", is decoded.
    func testMultiByteStopStringAfterLongPrefix() throws {
        let bytes = ByteTokenizer()
        var checker = try StopChecker(
            tokenizer: bytes, eosTokenIDs: [256], stopStrings: ["é!", "€x"], maxTokens: 10_000)
        XCTAssertNil(run(&checker, bytes.encode(String(repeating: "€", count: 700))).reason)
        XCTAssertEqual(checker.append(Int32(UInt8(ascii: "x"))), .stopString)
        XCTAssertEqual(checker.matchedStopString, "€x")
        XCTAssertEqual(checker.tokens.count, 2101)
    }

    /// "é" is C3 A9: the first byte alone decodes to U+FFFD, so only the second stops.
    func testStopStringCompletedInsideACharacter() throws {
        let bytes = ByteTokenizer()
        var checker = try StopChecker(
            tokenizer: bytes, eosTokenIDs: [256], stopStrings: ["é"], maxTokens: 10)
        XCTAssertNil(checker.append(0x61))
        XCTAssertNil(checker.append(0xC3))
        XCTAssertNil(checker.append(257))
        XCTAssertEqual(checker.append(0xA9), .stopString)
    }

    func testInvalidArgumentsAreRejected() {
        XCTAssertThrowsError(
            try StopChecker(
                tokenizer: characters, eosTokenIDs: [2], stopStrings: ["a", ""], maxTokens: 3)
        ) { XCTAssertTrue(String(describing: $0).contains("stop_strings[1]")) }
        XCTAssertThrowsError(
            try StopChecker(tokenizer: characters, eosTokenIDs: [2], stopStrings: [], maxTokens: 0)
        ) { XCTAssertTrue(String(describing: $0).contains("max_tokens = 0")) }
    }

    func testStopReasonWireNames() throws {
        let names = try [StopReason.eos, .stopString, .maxTokens].map {
            String(decoding: try JSONEncoder().encode($0), as: UTF8.self)
        }
        XCTAssertEqual(names, [#""eos""#, #""stop_string""#, #""max_tokens""#])
    }
}
