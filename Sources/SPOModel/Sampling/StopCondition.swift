/// Why generation of a sequence ended. Raw values are the wire and metrics names.
public enum StopReason: String, Codable, Sendable {
    /// An end-of-sequence token was sampled.
    case eos
    /// The generated text came to contain a stop string.
    case stopString = "stop_string"
    /// `maxTokens` tokens were generated.
    case maxTokens = "max_tokens"
}

/// Decides, after each generated token, whether generation ends and why.
///
/// Feed tokens one at a time with `append(_:)`. Checks, in this order:
/// 1. the token is an EOS id → `.eos`;
/// 2. the decoded text of the generated tokens (prompt excluded) contains a stop string,
///    across token boundaries → `.stopString`;
/// 3. `maxTokens` tokens have been generated → `.maxTokens`.
/// The stopping token stays in `tokens`, so the EOS token or the text of the matched stop
/// string stays in the output.
///
/// Only a tail is decoded. With L the longest stop string in UTF-8 bytes, the tail is the
/// new token plus enough earlier tokens that they decode to >= L + 8 bytes: L − 1 bytes
/// for a match that started earlier, plus up to 9 bytes of U+FFFD where the tail starts
/// inside a multi-byte character (see `Tokenizer`). A match wholly inside the earlier
/// tokens was already found, so any match in the tail is new. Cost per token: two decodes
/// of about L + 9 tokens and a byte search, O(L²), independent of the sequence length.
/// A stop string containing U+FFFD may match a not-yet-complete character.
public struct StopChecker: Sendable {
    /// Tokenizer that decodes the generated tokens.
    public let tokenizer: any Tokenizer
    /// Ids that end generation with `.eos`.
    public let eosTokenIDs: Set<Int32>
    /// Non-empty strings that end generation with `.stopString`.
    public let stopStrings: [String]
    /// Number of generated tokens after which generation ends with `.maxTokens`.
    public let maxTokens: Int
    /// Generated tokens so far, including the one that stopped generation.
    public private(set) var tokens: [Int32] = []
    /// Why generation ended, or nil while it goes on.
    public private(set) var stopReason: StopReason?
    /// The stop string found, when `stopReason == .stopString`.
    public private(set) var matchedStopString: String?

    private let stopBytes: [[UInt8]]
    private let longestStopBytes: Int

    /// A checker for `eosTokenIDs`, `stopStrings` and `maxTokens`.
    ///
    /// - Throws: `SamplingParametersError` when maxTokens < 1 or a stop string is empty.
    public init(
        tokenizer: any Tokenizer, eosTokenIDs: [Int32], stopStrings: [String], maxTokens: Int
    ) throws {
        guard maxTokens >= 1 else {
            throw SamplingParametersError(
                field: "max_tokens", value: "\(maxTokens)", problem: "must be >= 1")
        }
        if let index = stopStrings.firstIndex(of: "") {
            throw SamplingParametersError(
                field: "stop_strings[\(index)]", value: "\"\"",
                problem: "an empty stop string would stop before the first token; remove it")
        }
        self.tokenizer = tokenizer
        self.eosTokenIDs = Set(eosTokenIDs)
        self.stopStrings = stopStrings
        self.maxTokens = maxTokens
        stopBytes = stopStrings.map { Array($0.utf8) }
        longestStopBytes = stopBytes.map(\.count).max() ?? 0
    }

    /// A checker for the tokenizer's EOS id and the parameters' stop strings and
    /// maxTokens (already validated by `SamplingParameters`).
    public init(tokenizer: any Tokenizer, parameters: SamplingParameters) {
        self.tokenizer = tokenizer
        eosTokenIDs = [tokenizer.eosTokenID]
        stopStrings = parameters.stopStrings
        maxTokens = parameters.maxTokens
        stopBytes = stopStrings.map { Array($0.utf8) }
        longestStopBytes = stopBytes.map(\.count).max() ?? 0
    }

    /// Records the next generated token; returns why generation ends now, or nil.
    /// Must not be called once a stop reason has been returned.
    public mutating func append(_ token: Int32) -> StopReason? {
        precondition(
            stopReason == nil,
            "StopChecker.append: generation already stopped (\(stopReason!.rawValue)) after "
                + "\(tokens.count) tokens; start a new checker for the next sequence")
        tokens.append(token)
        if eosTokenIDs.contains(token) {
            stopReason = .eos
        } else if let match = newStopString() {
            stopReason = .stopString
            matchedStopString = match
        } else if tokens.count >= maxTokens {
            stopReason = .maxTokens
        }
        return stopReason
    }

    /// The first stop string contained in the decoded tail, if any.
    private func newStopString() -> String? {
        guard longestStopBytes > 0 else {
            return nil
        }
        let last = tokens.count - 1
        let contextBytesNeeded = longestStopBytes + 8
        var contextTokens = contextBytesNeeded + 1
        var start = max(0, last - contextTokens)
        while start > 0
            && tokenizer.decode(Array(tokens[start..<last])).utf8.count < contextBytesNeeded
        {
            contextTokens *= 2
            start = max(0, last - contextTokens)
        }
        let tail = Array(tokenizer.decode(Array(tokens[start...])).utf8)
        for (index, stop) in stopBytes.enumerated() where Self.contains(tail, stop) {
            return stopStrings[index]
        }
        return nil
    }

    /// Whether `needle` (non-empty) occurs in `haystack`.
    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else {
            return false
        }
        for offset in 0...haystack.count - needle.count
        where haystack[offset] == needle[0]
            && haystack[offset..<offset + needle.count].elementsEqual(needle)
        {
            return true
        }
        return false
    }
}
