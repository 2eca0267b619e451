import Foundation

/// The shape of a Llama-architecture model, read from a Hugging Face `config.json`.
///
/// Keys are Hugging Face's, so a real model's config loads unchanged; keys we do not use are
/// ignored. Required: `hidden_size`, `intermediate_size`, `num_hidden_layers`,
/// `num_attention_heads`, `vocab_size`. Optional, with Hugging Face's defaults:
/// `num_key_value_heads` (= heads), `head_dim` (= hidden/heads), `rms_norm_eps` (1e-6),
/// `rope_theta` (10000), `max_position_embeddings` (2048), `tie_word_embeddings` (false),
/// `bos_token_id`, `eos_token_id` (an integer or a list), `pad_token_id`.
public struct LlamaConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var headDimension: Int
    public var vocabularySize: Int
    public var rmsNormEpsilon: Float
    public var ropeTheta: Double
    public var maximumPositions: Int
    public var tieWordEmbeddings: Bool
    public var bosTokenID: Int32?
    public var eosTokenIDs: [Int32]
    public var padTokenID: Int32?

    /// Creates a config and checks it (see `validate()`).
    public init(
        hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int,
        keyValueHeadCount: Int? = nil, headDimension: Int? = nil, vocabularySize: Int,
        rmsNormEpsilon: Float = 1e-6, ropeTheta: Double = 10000, maximumPositions: Int = 2048,
        tieWordEmbeddings: Bool = false, bosTokenID: Int32? = nil, eosTokenIDs: [Int32] = [],
        padTokenID: Int32? = nil
    ) throws {
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.keyValueHeadCount = keyValueHeadCount ?? headCount
        self.headDimension = headDimension ?? (headCount > 0 ? hiddenSize / headCount : 0)
        self.vocabularySize = vocabularySize
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeTheta = ropeTheta
        self.maximumPositions = maximumPositions
        self.tieWordEmbeddings = tieWordEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
        self.padTokenID = padTokenID
        try validate()
    }

    /// Width of the fused q|k|v projection output: (H + 2·Hkv)·d.
    public var qkvWidth: Int { (headCount + 2 * keyValueHeadCount) * headDimension }
    /// Width of the attention output (input of o_proj): H·d.
    public var attentionWidth: Int { headCount * headDimension }
    /// Width of one token's keys (or values) in the cache: Hkv·d.
    public var keyValueWidth: Int { keyValueHeadCount * headDimension }

    /// Checks the relations the engine relies on; the error names the key and value.
    public func validate() throws {
        func fail(_ key: String, _ message: String) -> LlamaConfigError {
            LlamaConfigError(source: nil, message: "`\(key)` \(message)")
        }
        for (key, value) in [
            ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
            ("num_key_value_heads", keyValueHeadCount), ("head_dim", headDimension),
            ("vocab_size", vocabularySize), ("max_position_embeddings", maximumPositions),
        ] where value <= 0 {
            throw fail(key, "must be positive, found \(value)")
        }
        guard headCount % keyValueHeadCount == 0 else {
            throw fail("num_key_value_heads", "(\(keyValueHeadCount)) must divide num_attention_heads (\(headCount))")
        }
        guard headDimension % 2 == 0 else {
            throw fail("head_dim", "must be even for rotary embeddings, found \(headDimension)")
        }
        guard rmsNormEpsilon > 0, rmsNormEpsilon.isFinite else {
            throw fail("rms_norm_eps", "must be a positive number, found \(rmsNormEpsilon)")
        }
        guard ropeTheta > 0, ropeTheta.isFinite else {
            throw fail("rope_theta", "must be a positive number, found \(ropeTheta)")
        }
    }
}

/// A config that could not be read or is inconsistent; says which file and key.
public struct LlamaConfigError: Error, CustomStringConvertible {
    public var source: String?
    public var message: String
    public var description: String {
        source.map { "model config \($0): \(message)" } ?? "model config: \(message)"
    }
}

extension LlamaConfig {
    /// Reads a Hugging Face `config.json`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw LlamaConfigError(source: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        do { try self.init(json: data) } catch var error as LlamaConfigError {
            error.source = url.path
            throw error
        }
    }

    /// Parses config JSON; unknown keys are ignored, a missing required key is named.
    public init(json data: Data) throws {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw LlamaConfigError(source: nil, message: "the top level must be a JSON object")
            }
            object = parsed
        } catch let error as LlamaConfigError { throw error } catch {
            throw LlamaConfigError(source: nil, message: "not valid JSON (\(error.localizedDescription))")
        }
        let reader = JSONFieldReader(object: object)
        try self.init(
            hiddenSize: try reader.integer("hidden_size"),
            intermediateSize: try reader.integer("intermediate_size"),
            layerCount: try reader.integer("num_hidden_layers"),
            headCount: try reader.integer("num_attention_heads"),
            keyValueHeadCount: try reader.optionalInteger("num_key_value_heads"),
            headDimension: try reader.optionalInteger("head_dim"),
            vocabularySize: try reader.integer("vocab_size"),
            rmsNormEpsilon: Float(try reader.optionalNumber("rms_norm_eps") ?? 1e-6),
            ropeTheta: try reader.optionalNumber("rope_theta") ?? 10000,
            maximumPositions: try reader.optionalInteger("max_position_embeddings") ?? 2048,
            tieWordEmbeddings: try reader.optionalBool("tie_word_embeddings") ?? false,
            bosTokenID: try reader.optionalInteger("bos_token_id").map(Int32.init),
            eosTokenIDs: try reader.integerOrList("eos_token_id").map(Int32.init),
            padTokenID: try reader.optionalInteger("pad_token_id").map(Int32.init))
    }

    /// The config as Hugging Face `config.json` JSON (what `transformers` expects).
    public func jsonData() -> Data {
        var object: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
            "hidden_size": hiddenSize, "intermediate_size": intermediateSize,
            "num_hidden_layers": layerCount, "num_attention_heads": headCount,
            "num_key_value_heads": keyValueHeadCount, "head_dim": headDimension,
            "vocab_size": vocabularySize, "rms_norm_eps": Double(rmsNormEpsilon),
            "rope_theta": ropeTheta, "max_position_embeddings": maximumPositions,
            "tie_word_embeddings": tieWordEmbeddings, "torch_dtype": "float32",
            "attention_bias": false, "mlp_bias": false,
        ]
        if let bosTokenID { object["bos_token_id"] = Int(bosTokenID) }
        if eosTokenIDs.count == 1 { object["eos_token_id"] = Int(eosTokenIDs[0]) }
        if eosTokenIDs.count > 1 { object["eos_token_id"] = eosTokenIDs.map(Int.init) }
        if let padTokenID { object["pad_token_id"] = Int(padTokenID) }
        // Sorted keys keep files byte-identical across runs.
        return try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}

/// Typed access to the fields of a parsed JSON object, with errors naming the key.
struct JSONFieldReader {
    let object: [String: Any]

    func integer(_ key: String) throws -> Int {
        guard let value = try optionalInteger(key) else {
            throw LlamaConfigError(source: nil, message: "missing required key `\(key)`")
        }
        return value
    }

    func optionalInteger(_ key: String) throws -> Int? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        if let number = raw as? NSNumber, !isBool(number), let value = Int(exactly: number.doubleValue) {
            return value
        }
        throw LlamaConfigError(source: nil, message: "`\(key)` must be an integer, found \(raw)")
    }

    func optionalNumber(_ key: String) throws -> Double? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        if let number = raw as? NSNumber, !isBool(number) { return number.doubleValue }
        throw LlamaConfigError(source: nil, message: "`\(key)` must be a number, found \(raw)")
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let raw = object[key], !(raw is NSNull) else { return nil }
        if let number = raw as? NSNumber, isBool(number) { return number.boolValue }
        throw LlamaConfigError(source: nil, message: "`\(key)` must be true or false, found \(raw)")
    }

    func integerOrList(_ key: String) throws -> [Int] {
        guard let raw = object[key], !(raw is NSNull) else { return [] }
        if let list = raw as? [Any] {
            return try list.enumerated().map { index, element in
                guard let number = element as? NSNumber, !isBool(number),
                      let value = Int(exactly: number.doubleValue) else {
                    throw LlamaConfigError(source: nil, message: "`\(key)[\(index)]` must be an integer, found \(element)")
                }
                return value
            }
        }
        return [try integer(key)]
    }

    /// JSON `true`/`false` arrive as NSNumbers of ObjC type `c` (char); JSON numbers never do.
    private func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
