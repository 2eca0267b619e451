import Foundation
import XCTest
@testable import SPOPipelineSpec

/// The canonical encoding decodes to the same spec and is byte-stable, with sorted keys.
final class RoundTripTests: XCTestCase {
    private func assertRoundTrip(_ spec: ResolvedPipelineSpec, file: StaticString = #filePath, line: UInt = #line) throws {
        let json = try spec.canonicalJSON()
        let decoded = try ResolvedPipelineSpec(canonicalJSON: json)
        XCTAssertEqual(decoded, spec, file: file, line: line)
        XCTAssertEqual(try decoded.canonicalJSON(), json, file: file, line: line)
        XCTAssertEqual(json.last, 0x0A, file: file, line: line)
        try assertKeysSorted(JSONParser.parse(Array(json)), path: "$", file: file, line: line)
    }

    private func assertKeysSorted(_ node: JSONNode, path: String, file: StaticString, line: UInt) throws {
        switch node {
        case .object(let members):
            let keys = members.map(\.key)
            XCTAssertEqual(keys, keys.sorted(), "keys of \(path)", file: file, line: line)
            for member in members { try assertKeysSorted(member.value, path: "\(path).\(member.key)", file: file, line: line) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try assertKeysSorted(element, path: "\(path)[\(index)]", file: file, line: line)
            }
        default:
            break
        }
    }

    func testEveryMethodRoundTrips() throws {
        for method in PipelineMethod.allCases {
            try assertRoundTrip(TestSpecs.resolve(TestSpecs.minimal(method.rawValue)))
        }
    }

    func testMultiHostSpecRoundTrips() throws {
        try assertRoundTrip(TestSpecs.resolve(EndpointTests.twoHostSpec.setting("stages.value.replicas", to: 2)))
    }

    func testCanonicalJSONLeavesOutWhatDoesNotApply() throws {
        let grpo = String(decoding: try TestSpecs.resolve(TestSpecs.minimal("grpo")).canonicalJSON(), as: UTF8.self)
        XCTAssertTrue(grpo.contains("\"samples_per_prompt\" : 8"))
        XCTAssertFalse(grpo.contains("\"tree\""))
        XCTAssertFalse(grpo.contains("\"value_loss\""))
        XCTAssertFalse(grpo.contains("\"replay\""))
        let tree = String(decoding: try TestSpecs.resolve(TestSpecs.minimal("spo-tree")).canonicalJSON(), as: UTF8.self)
        XCTAssertTrue(tree.contains("\"branching\" : [\n      6,\n      6,\n      6\n    ]"))
        XCTAssertFalse(tree.contains("\"samples_per_prompt\""))
    }

    func testAResolvedSpecMissingAStageIsRejected() throws {
        var spec = try TestSpecs.resolve(TestSpecs.minimal("grpo"))
        spec.stages[.value] = nil
        XCTAssertThrowsError(try ResolvedPipelineSpec(canonicalJSON: spec.canonicalJSON()))
    }

    func testTaskPassesThroughUnchanged() throws {
        let task: JSONValue = [
            "kind": "gsm8k_jsonl", "train": "data/train.jsonl", "test": "data/test.jsonl",
            "prompt_template": "Q: {question}\nA:", "reward": "gsm8k", "limit": 1000, "shuffle": true,
        ]
        let spec = try TestSpecs.resolve(TestSpecs.minimal("grpo").setting("task", to: task))
        XCTAssertEqual(spec.task, task)
        try assertRoundTrip(spec)
    }
}
