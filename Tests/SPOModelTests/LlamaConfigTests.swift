import XCTest
@testable import SPOModel

final class LlamaConfigTests: XCTestCase {
    func testHuggingFaceConfigLoadsWithDefaultsAndIgnoresUnknownKeys() throws {
        let json = """
        {"hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
         "num_attention_heads": 9, "num_key_value_heads": 3, "vocab_size": 49152,
         "rope_theta": 100000, "tie_word_embeddings": true, "eos_token_id": [2, 0],
         "rope_scaling": null, "torch_dtype": "bfloat16", "architectures": ["LlamaForCausalLM"]}
        """
        let config = try LlamaConfig(json: Data(json.utf8))
        XCTAssertEqual(config.headDimension, 64)
        XCTAssertEqual(config.qkvWidth, (9 + 6) * 64)
        XCTAssertEqual(config.rmsNormEpsilon, 1e-6)
        XCTAssertEqual(config.maximumPositions, 2048)
        XCTAssertEqual(config.eosTokenIDs, [2, 0])
        XCTAssertTrue(config.tieWordEmbeddings)
        XCTAssertEqual(try LlamaConfig(json: config.jsonData()), config)
        // SmolLM2-135M shape: 134,515,008 parameters (28.3M of them the tied embedding).
        XCTAssertEqual(LlamaLayout(config: config).parameterCount,
                       49152 * 576 + 30 * (576 + 576 * 960 + 576 * 576 + 576 + 2 * 1536 * 576 + 576 * 1536) + 576)
    }

    func testErrorsNameTheKey() {
        let cases: [(String, String)] = [
            (#"{"intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 5}"#, "hidden_size"),
            (#"{"hidden_size": "big", "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 5}"#, "hidden_size"),
            (#"{"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 3, "vocab_size": 5}"#, "num_key_value_heads"),
            (#"{"hidden_size": 8, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 5, "tie_word_embeddings": 1}"#, "tie_word_embeddings"),
            (#"[1, 2]"#, "object"),
            (#"{"hidden_size": 8,"#, "JSON"),
        ]
        for (json, key) in cases {
            XCTAssertThrowsError(try LlamaConfig(json: Data(json.utf8))) {
                XCTAssertTrue("\($0)".contains(key), "expected \(key) in: \($0)")
            }
        }
    }
}
