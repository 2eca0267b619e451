import Foundation

/// The JSON pipeline spec (docs/pipeline-spec.md): checking it and filling it in.
///
/// `validate` lists every issue of a spec at once; `resolve` returns the spec with every
/// default filled in (the method's preset first, then each kind's own defaults) and
/// every endpoint assigned, or throws all the issues.
public enum PipelineSpec {
    /// Every issue of the spec `json`, in reading order; empty when it resolves.
    /// `sourceName` (usually the file's path) starts every message.
    public static func validate(json: Data, sourceName: String) -> [SpecIssue] {
        analyze(json: json, sourceName: sourceName).issues
    }

    /// The spec `json` with every default filled in and every endpoint assigned.
    ///
    /// - Throws: `PipelineSpecError` with every issue when the spec is not valid.
    public static func resolve(json: Data, sourceName: String) throws(PipelineSpecError) -> ResolvedPipelineSpec {
        let (resolved, issues) = analyze(json: json, sourceName: sourceName)
        guard let resolved, issues.isEmpty else { throw PipelineSpecError(issues: issues) }
        return resolved
    }

    /// Reads and resolves the spec file at `url`; messages name it by `url.relativePath`.
    ///
    /// - Throws: the file system's error when the file cannot be read, otherwise
    ///   `PipelineSpecError` with every issue.
    public static func resolve(contentsOf url: URL) throws -> ResolvedPipelineSpec {
        try resolve(json: Data(contentsOf: url), sourceName: url.relativePath)
    }

    /// The keys a spec may have at the top level.
    public static let topLevelKeys = [
        "name", "notes", "method", "seed", "run_directory", "model", "tokenizer", "task",
        "iterations", "sampling", "partition", "value", "tree", "advantage", "optimize",
        "evaluation", "weights_transport", "base_port", "hosts", "driver", "stages",
    ]

    static func analyze(json: Data, sourceName: String) -> (resolved: ResolvedPipelineSpec?, issues: [SpecIssue]) {
        let root: JSONNode
        do {
            root = try JSONParser.parse(Array(json))
        } catch {
            let issue = SpecIssue(
                sourceName: sourceName, path: "$", line: error.line, column: error.column,
                expected: error.expected, found: error.found)
            return (nil, [issue])
        }
        let reading = SpecReading(sourceName: sourceName)
        guard let object = ObjectReader(root, at: .root, reading: reading, expected: "a JSON object (the pipeline spec)") else {
            return (nil, reading.issues)
        }
        let resolved = SpecResolver(root: object).resolve()
        return (reading.issues.isEmpty ? resolved : nil, reading.issues)
    }
}
