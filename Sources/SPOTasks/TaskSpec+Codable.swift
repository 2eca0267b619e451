extension TaskSpec {
    private enum Key: String, CodingKey {
        case kind, config, train, test
        case promptTemplate = "prompt_template"
        case reward
    }

    /// Decodes the JSON form.
    ///
    /// - Throws: `DecodingError` (which `TaskError(decoding:source:)` locates) when `kind`
    ///   is missing or unknown (the message lists `TaskSpec.kinds`), a path the kind needs
    ///   is missing, or a key is not one the kind uses.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let used: [Key]
        let source: Source
        switch kind {
        case "arithmetic":
            used = [.config]
            source = .arithmetic(config: try container.decode(String.self, forKey: .config))
        case "gsm8k_jsonl", "math_jsonl":
            used = [.train, .test]
            let train = try container.decode(String.self, forKey: .train)
            let test = try container.decode(String.self, forKey: .test)
            source = kind == "math_jsonl" ? .mathJSONL(train: train, test: test) : .gsm8kJSONL(train: train, test: test)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown task kind \"\(kind)\"; valid kinds: "
                    + Self.kinds.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        let allowed = Set(([.kind, .promptTemplate, .reward] + used).map(\.rawValue))
        let everyKey = try decoder.container(keyedBy: AnyKey.self).allKeys
        if let stray = everyKey.first(where: { !allowed.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath + [stray],
                    debugDescription: "key not used by kind \"\(kind)\"; its keys are "
                        + allowed.sorted().joined(separator: ", ")))
        }
        self.init(
            source: source,
            promptTemplate: try container.decodeIfPresent(PromptTemplate.self, forKey: .promptTemplate) ?? .mathTask,
            reward: try container.decodeIfPresent(RewardKind.self, forKey: .reward))
    }

    /// Encodes the JSON form, defaults written out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(source.kind, forKey: .kind)
        switch source {
        case .arithmetic(let config):
            try container.encode(config, forKey: .config)
        case .gsm8kJSONL(let train, let test), .mathJSONL(let train, let test):
            try container.encode(train, forKey: .train)
            try container.encode(test, forKey: .test)
        }
        try container.encode(promptTemplate, forKey: .promptTemplate)
        try container.encode(reward, forKey: .reward)
    }
}

/// Any JSON object key, to list the keys a spec actually has.
private struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
