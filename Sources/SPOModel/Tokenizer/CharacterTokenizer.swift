import Foundation

/// A tokenizer with one token per Unicode scalar, for tiny models and tests.
///
/// Configuration (`configs/tokenizers/char.json`):
///
///     {"type": "character",
///      "special_tokens": ["<pad>", "<bos>", "<eos>", "<unk>"],
///      "characters": "\n !\"#$%…xyz"}
///
/// Ids: `special_tokens[i]` gets id `i` (so with the list above pad = 0, bos = 1,
/// eos = 2, unk = 3); `characters` scalar `j` gets id `special_tokens.count + j`.
/// `V = special_tokens.count + characters.count` (95 for the default set).
/// A scalar not in `characters` encodes to `<unk>`; `decode` skips every special token
/// and writes U+FFFD for an id outside `0 ..< V`.
public struct CharacterTokenizer: Tokenizer, Codable {
    /// Newline, space and printable ASCII except `` ` {|}~ ``: 91 scalars.
    public static let defaultCharacters: String =
        "\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

    /// Special tokens every configuration must list, in the default order.
    public static let requiredSpecialTokens: [String] = ["<pad>", "<bos>", "<eos>", "<unk>"]

    /// Special token names; `specialTokens[i]` has id `i`.
    public let specialTokens: [String]
    /// Ordinary tokens; `characters[j]` has id `specialTokens.count + j`.
    public let characters: [Unicode.Scalar]
    /// Id of `<pad>`.
    public let padTokenID: Int32
    /// Id of `<bos>`.
    public let bosTokenID: Int32?
    /// Id of `<eos>`.
    public let eosTokenID: Int32
    /// Id of `<unk>`, given to every scalar not in `characters`.
    public let unknownTokenID: Int32
    private let idOfScalar: [Unicode.Scalar: Int32]

    /// `V = specialTokens.count + characters.count`.
    public var vocabularySize: Int { specialTokens.count + characters.count }

    /// The tokenizer of `configs/tokenizers/char.json`: the four required special tokens
    /// and `defaultCharacters`, `V = 95`.
    public static func makeDefault() -> CharacterTokenizer {
        let configuration = Configuration(
            type: Configuration.characterType, specialTokens: requiredSpecialTokens,
            characters: defaultCharacters)
        do {
            return try CharacterTokenizer(validating: configuration, source: "built-in default")
        } catch {
            preconditionFailure(
                "the built-in character tokenizer configuration is invalid: \(error)")
        }
    }

    /// Reads a JSON configuration held in memory.
    ///
    /// - Throws: `TokenizerError` naming the key and value when the JSON is malformed,
    ///   `type` is not "character", a required special token is missing, a special token
    ///   is empty or repeated, or `characters` is empty or repeats a scalar.
    public init(configuration data: Data) throws {
        try self.init(configuration: data, source: "configuration data")
    }

    /// Reads a JSON configuration file; errors name the file.
    ///
    /// - Throws: `TokenizerError` when the file cannot be read or is invalid
    ///   (see `init(configuration:)`).
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError(
                source: url.path, key: "", value: "",
                problem: "cannot read the file (\(error.localizedDescription)); check the path")
        }
        try self.init(configuration: data, source: url.path)
    }

    /// Decodes and validates the configuration shape written by `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        let configuration = try Configuration(from: decoder)
        let path = jsonPath(decoder.codingPath)
        try self.init(
            validating: configuration, source: path.isEmpty ? "decoder" : "decoder at \(path)")
    }

    /// Writes the configuration JSON shape (`type`, `special_tokens`, `characters`).
    public func encode(to encoder: any Encoder) throws {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: characters)
        let configuration = Configuration(
            type: Configuration.characterType, specialTokens: specialTokens,
            characters: String(text))
        try configuration.encode(to: encoder)
    }

    /// One id per Unicode scalar of `text`; unknown scalars become `unknownTokenID`.
    public func encode(_ text: String) -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            tokens.append(idOfScalar[scalar] ?? unknownTokenID)
        }
        return tokens
    }

    /// Concatenated scalars of `tokens`; special tokens decode to "", ids outside
    /// `0 ..< V` to U+FFFD.
    public func decode(_ tokens: [Int32]) -> String {
        var text = String.UnicodeScalarView()
        let specialCount = specialTokens.count
        for token in tokens {
            let id = Int(token)
            if id >= 0 && id < specialCount {
                continue
            } else if id >= specialCount && id < vocabularySize {
                text.append(characters[id - specialCount])
            } else {
                text.append("\u{FFFD}")
            }
        }
        return String(text)
    }

    private init(configuration data: Data, source: String) throws {
        let configuration: Configuration
        do {
            configuration = try JSONDecoder().decode(Configuration.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError(decoding: error, source: source)
        }
        try self.init(validating: configuration, source: source)
    }

    private init(validating configuration: Configuration, source: String) throws {
        guard configuration.type == Configuration.characterType else {
            throw TokenizerError(
                source: source, key: "type", value: String(reflecting: configuration.type),
                problem: "unsupported tokenizer type; this reader handles \"character\" only")
        }
        var specialIDs: [String: Int32] = [:]
        for (index, name) in configuration.specialTokens.enumerated() {
            let key = "special_tokens[\(index)]"
            guard !name.isEmpty else {
                throw TokenizerError(
                    source: source, key: key, value: "\"\"",
                    problem: "special token name is empty; give it a name such as \"<pad>\"")
            }
            if let first = specialIDs[name] {
                throw TokenizerError(
                    source: source, key: key, value: String(reflecting: name),
                    problem: "repeats special_tokens[\(first)]; list each special token once")
            }
            specialIDs[name] = Int32(index)
        }
        for name in Self.requiredSpecialTokens where specialIDs[name] == nil {
            throw TokenizerError(
                source: source, key: "special_tokens",
                value: String(reflecting: configuration.specialTokens),
                problem: "required special token \(String(reflecting: name)) is missing; "
                    + "list all of \(Self.requiredSpecialTokens)")
        }
        let scalars = Array(configuration.characters.unicodeScalars)
        guard !scalars.isEmpty else {
            throw TokenizerError(
                source: source, key: "characters", value: "\"\"",
                problem: "no characters; list the characters the model may read and write")
        }
        var idOfScalar: [Unicode.Scalar: Int32] = [:]
        let specialCount = configuration.specialTokens.count
        for (index, scalar) in scalars.enumerated() {
            if let first = idOfScalar[scalar] {
                throw TokenizerError(
                    source: source, key: "characters", value: String(reflecting: String(scalar)),
                    problem: "character appears at positions \(Int(first) - specialCount) and "
                        + "\(index); list each character once")
            }
            idOfScalar[scalar] = Int32(specialCount + index)
        }
        self.specialTokens = configuration.specialTokens
        self.characters = scalars
        self.idOfScalar = idOfScalar
        self.padTokenID = specialIDs["<pad>"]!
        self.bosTokenID = specialIDs["<bos>"]!
        self.eosTokenID = specialIDs["<eos>"]!
        self.unknownTokenID = specialIDs["<unk>"]!
    }
}

extension CharacterTokenizer {
    /// The JSON shape of a character tokenizer configuration.
    struct Configuration: Codable {
        static let characterType = "character"

        var type: String
        var specialTokens: [String]
        var characters: String

        enum CodingKeys: String, CodingKey {
            case type
            case specialTokens = "special_tokens"
            case characters
        }
    }
}
