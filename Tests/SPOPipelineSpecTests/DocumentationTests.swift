import Foundation
import XCTest
@testable import SPOPipelineSpec

/// docs/pipeline-spec.md stays true: its example specs validate, its endpoint table is
/// what the resolver assigns, and every key a resolved spec can have is documented.
final class DocumentationTests: XCTestCase {
    static let document = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/pipeline-spec.md")

    /// The ```json blocks of the document that are whole specs (they name a method).
    private func exampleSpecs() throws -> [Data] {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        return text.components(separatedBy: "```json\n").dropFirst().compactMap { block in
            let json = block.components(separatedBy: "\n```").first ?? ""
            return json.contains("\"method\"") ? Data(json.utf8) : nil
        }
    }

    func testExamplesValidate() throws {
        let examples = try exampleSpecs()
        XCTAssertEqual(examples.count, 2)
        for example in examples {
            let issues = PipelineSpec.validate(json: example, sourceName: "docs/pipeline-spec.md")
            XCTAssertEqual(issues, [], issues.map(\.description).joined(separator: "\n"))
        }
    }

    func testCompleteExampleHasTheDocumentedEndpoints() throws {
        let spec = try PipelineSpec.resolve(json: try exampleSpecs()[0], sourceName: "docs/pipeline-spec.md")
        let rows = PipelineEdge.allCases.map { edge -> String in
            let resolved = spec.edge(edge)
            return "\(edge.rawValue) \(resolved.transport.rawValue) " + resolved.endpoints.map { "\($0.bind) \($0.connect)" }.joined()
        }
        XCTAssertEqual(rows, [
            "prompts tcp tcp://*:5550 tcp://10.0.0.1:5550",
            "rollouts tcp tcp://*:5551 tcp://10.0.0.1:5551",
            "segmented tcp tcp://*:5552 tcp://10.0.0.1:5552",
            "valued tcp tcp://*:5553 tcp://10.0.0.1:5553",
            "samples ipc ipc://runs/spo-chain-two-hosts/sockets/samples ipc://runs/spo-chain-two-hosts/sockets/samples",
            "weights tcp tcp://*:6000 tcp://10.0.0.1:6000",
            "control tcp tcp://*:5554 tcp://10.0.0.1:5554",
            "metrics tcp tcp://*:5555 tcp://10.0.0.1:5555",
        ])
    }

    func testCompleteExampleHasTheDocumentedTaps() throws {
        let spec = try PipelineSpec.resolve(json: try exampleSpecs()[0], sourceName: "docs/pipeline-spec.md")
        let gpu = Set(["generate", "value"])
        let rows = spec.taps.map { tap -> String in
            let address = gpu.contains(tap.participant.description) ? "10.0.0.2" : "10.0.0.1"
            XCTAssertEqual(tap.connect, tap.bind.replacingOccurrences(of: "*", with: address), tap.process)
            return "\(tap.process) \(tap.bind)"
        }
        XCTAssertEqual(rows, [
            "driver tcp://*:5556", "generate.0 tcp://*:5557", "generate.1 tcp://*:5558", "partition.0 tcp://*:5559",
            "value.0 tcp://*:5560", "value.1 tcp://*:5561", "value.2 tcp://*:5562", "value.3 tcp://*:5563",
            "advantage.0 tcp://*:5564", "optimize.0 tcp://*:5565",
        ])
    }

    /// Every key of a resolved spec (outside `edges`, whose shape the prose describes)
    /// appears in the document in backticks.
    func testEveryKeyIsDocumented() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        var keys = Set<String>()
        func collect(_ node: JSONNode, inEdges: Bool) {
            switch node {
            case .object(let members):
                for member in members where !inEdges {
                    keys.insert(member.key)
                    collect(member.value, inEdges: member.key == "edges" || member.key == "hosts" || member.key == "task")
                }
            case .array(let elements):
                for element in elements { collect(element, inEdges: inEdges) }
            default:
                break
            }
        }
        var specs = try exampleSpecs().map { try PipelineSpec.resolve(json: $0, sourceName: "doc") }
        for method in ["treepo", "ppo", "grpo"] { specs.append(try TestSpecs.resolve(TestSpecs.minimal(method))) }
        for spec in specs { collect(try JSONParser.parse(Array(spec.canonicalJSON())), inEdges: false) }
        let stageNames = Set(PipelineStage.allCases.map(\.rawValue))
        for key in keys.sorted() where !stageNames.contains(key) {
            let spellings = ["`\(key)`", ".\(key)`", "`\(key).", "`\(key) ", ".\(key)."]
            XCTAssertTrue(spellings.contains { text.contains($0) }, "key \(key) is not in docs/pipeline-spec.md")
        }
        XCTAssertGreaterThan(keys.count, 60)
    }
}
