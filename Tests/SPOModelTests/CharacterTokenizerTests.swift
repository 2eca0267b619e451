import Foundation
import SPOModel
import XCTest

final class CharacterTokenizerTests: XCTestCase {
    /// Ids worked out from the configuration: specials 0…3, then '\n' = 4, ' ' = 5 and
    /// '!'…'~' (0x21…0x7E, all printable ASCII) at 6 + (c − 0x21), so 'a' = 70, '~' = 99.
    func testDefaultIDsFollowTheConfigurationOrder() {
        let tokenizer = CharacterTokenizer.makeDefault()
        XCTAssertEqual(tokenizer.vocabularySize, 4 + 2 + 94)
        XCTAssertEqual(tokenizer.padTokenID, 0)
        XCTAssertEqual(tokenizer.bosTokenID, 1)
        XCTAssertEqual(tokenizer.eosTokenID, 2)
        XCTAssertEqual(tokenizer.unknownTokenID, 3)
        XCTAssertEqual(tokenizer.encode("\n !"), [4, 5, 6])
        XCTAssertEqual(tokenizer.encode("Hi\n"), [6 + 0x48 - 0x21, 6 + 0x69 - 0x21, 4])
        XCTAssertEqual(tokenizer.encode("_az~"), [6 + 0x5F - 0x21, 70, 95, 99])
    }

    func testRoundTripOfEveryCharacter() {
        let tokenizer = CharacterTokenizer.makeDefault()
        let text = CharacterTokenizer.defaultCharacters + "Hello, world!\n(2 + 2) = 4"
        XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text)
        XCTAssertEqual(
            tokenizer.encode(CharacterTokenizer.defaultCharacters), (4..<100).map(Int32.init))
    }

    func testUnknownCharactersEncodeToUnk() {
        let tokenizer = CharacterTokenizer.makeDefault()
        XCTAssertEqual(tokenizer.encode("aé€{"), [70, 3, 3, 96])
    }

    func testDecodeSkipsSpecialTokensAndMarksBadIDs() {
        let tokenizer = CharacterTokenizer.makeDefault()
        XCTAssertEqual(tokenizer.decode([1, 45, 3, 78, 2, 0]), "Hi")
        XCTAssertEqual(tokenizer.decode([70, 100, -1, 71]), "a\u{FFFD}\u{FFFD}b")
    }

    func testShippedConfigurationIsTheDefault() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("configs/tokenizers/char.json")
        let tokenizer = try CharacterTokenizer(contentsOf: url)
        let expected = CharacterTokenizer.makeDefault()
        XCTAssertEqual(tokenizer.specialTokens, expected.specialTokens)
        XCTAssertEqual(tokenizer.characters, expected.characters)
    }

    func testCodableRoundTrip() throws {
        let data = try JSONEncoder().encode(CharacterTokenizer.makeDefault())
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["type"] as? String, "character")
        XCTAssertEqual(object["characters"] as? String, CharacterTokenizer.defaultCharacters)
        let decoded = try JSONDecoder().decode(CharacterTokenizer.self, from: data)
        XCTAssertEqual(decoded.encode("Hi\n"), [45, 78, 4])
    }

    func testCustomOrderAndExtraSpecialTokens() throws {
        let json =
            #"{"type": "character", "special_tokens": ["<bos>", "<eos>", "<sep>", "<unk>", "<pad>"], "characters": "ab"}"#
        let tokenizer = try CharacterTokenizer(configuration: Data(json.utf8))
        XCTAssertEqual(tokenizer.vocabularySize, 7)
        XCTAssertEqual(tokenizer.bosTokenID, 0)
        XCTAssertEqual(tokenizer.eosTokenID, 1)
        XCTAssertEqual(tokenizer.unknownTokenID, 3)
        XCTAssertEqual(tokenizer.padTokenID, 4)
        XCTAssertEqual(tokenizer.encode("bac"), [6, 5, 3])
        XCTAssertEqual(tokenizer.decode([2, 5, 6]), "ab")
    }

    func testBadConfigurationsNameTheProblem() {
        let cases: [(json: String, mentions: [String])] = [
            (
                #"{"type": "character", "special_tokens": ["<pad>", "<bos>", "<unk>"], "characters": "ab"}"#,
                ["special_tokens", "\"<eos>\"", "missing"]
            ),
            (
                #"{"type": "character", "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>"], "characters": "abca"}"#,
                ["characters", "\"a\"", "positions 0 and 3"]
            ),
            (
                #"{"type": "bpe", "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>"], "characters": "ab"}"#,
                ["type", "\"bpe\"", "character"]
            ),
            (
                #"{"type": "character", "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>", "<pad>"], "characters": "ab"}"#,
                ["special_tokens[4]", "\"<pad>\"", "special_tokens[0]"]
            ),
            (
                #"{"type": "character", "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>"], "characters": ""}"#,
                ["characters", "no characters"]
            ),
            (
                #"{"type": "character", "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>"]}"#,
                ["characters", "missing"]
            ),
            (
                #"{"type": "character", "special_tokens": ["<pad>", 7], "characters": "ab"}"#,
                ["special_tokens[1]", "String"]
            ),
            (#"{"type": "character", "#, ["not valid JSON"]),
        ]
        for (json, mentions) in cases {
            XCTAssertThrowsError(try CharacterTokenizer(configuration: Data(json.utf8)), json) {
                error in
                let message = String(describing: error)
                XCTAssertTrue(message.contains("configuration data"), message)
                for word in mentions {
                    XCTAssertTrue(message.contains(word), "\(message) should mention \(word)")
                }
            }
        }
    }

    func testFileErrorsNameTheFile() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("CharacterTokenizerTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"type": "word", "special_tokens": [], "characters": "a"}"#.utf8).write(to: bad)
        XCTAssertThrowsError(try CharacterTokenizer(contentsOf: bad)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains(bad.path) && message.contains("\"word\""), message)
        }
        let missing = directory.appendingPathComponent("missing.json")
        XCTAssertThrowsError(try CharacterTokenizer(contentsOf: missing)) { error in
            let message = String(describing: error)
            XCTAssertTrue(
                message.contains(missing.path) && message.contains("cannot read"), message)
        }
    }
}
