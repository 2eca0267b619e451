import ArgumentParser
import Foundation
import SPOPipelineSpec

/// `spo validate SPEC...`: every problem of pipeline specs, with JSON paths.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipeline specs; report every error with its JSON path, what was expected and what was found.",
        discussion: "The format is documented in docs/pipeline-spec.md. Exits 1 when any spec has an error.")

    @Argument(help: "Pipeline spec JSON files.") var specs: [String]
    @Flag(name: .customLong("print-resolved"), help: "Print each valid spec with every default filled in.")
    var printResolved = false

    func run() throws {
        var failed = 0
        for path in specs {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                print("\(path): cannot read the file (\(error.localizedDescription))")
                failed += 1
                continue
            }
            let issues = PipelineSpec.validate(json: data, sourceName: path)
            if issues.isEmpty {
                if printResolved {
                    let resolved = try PipelineSpec.resolve(json: data, sourceName: path)
                    print(String(decoding: try resolved.canonicalJSON(), as: UTF8.self), terminator: "")
                } else {
                    print("\(path): valid")
                }
            } else {
                failed += 1
                issues.forEach { print($0) }
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
