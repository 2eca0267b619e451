import Foundation
import SPOPipelineSpec

/// Specs for tests, built as `JSONValue`s and edited by path.
enum TestSpecs {
    /// The smallest valid spec of `method`: everything else comes from the preset.
    static func minimal(_ method: String) -> JSONValue {
        [
            "name": "t",
            "method": .string(method),
            "model": ["checkpoint": "runs/sft-default/checkpoint"],
            "tokenizer": "configs/tokenizers/char.json",
            "task": ["kind": "arithmetic", "config": "configs/tasks/arithmetic.json", "reward": "gsm8k"],
            "iterations": 3,
        ]
    }

    /// The JSON text of `spec`.
    static func data(_ spec: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try! encoder.encode(spec)
    }

    /// Resolves `spec`, failing the test with every issue when it does not resolve.
    static func resolve(_ spec: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws -> ResolvedPipelineSpec {
        try PipelineSpec.resolve(json: data(spec), sourceName: "test.json")
    }
}

extension JSONValue {
    /// A copy with the value at `path` (object keys) replaced, or removed when
    /// `value` is nil; missing objects on the way are created.
    func setting(_ path: String, to value: JSONValue?) -> JSONValue {
        setting(path.split(separator: ".").map(String.init)[...], to: value)
    }

    private func setting(_ keys: ArraySlice<String>, to value: JSONValue?) -> JSONValue {
        guard let key = keys.first else { return value ?? .null }
        var members: [String: JSONValue] = [:]
        if case .object(let existing) = self { members = existing }
        if keys.count == 1 {
            members[key] = value
        } else {
            members[key] = (members[key] ?? .object([:])).setting(keys.dropFirst(), to: value)
        }
        return .object(members)
    }

    /// A copy with every `(path, value)` applied in order.
    func setting(_ changes: [(String, JSONValue?)]) -> JSONValue {
        changes.reduce(self) { spec, change in spec.setting(change.0, to: change.1) }
    }
}
