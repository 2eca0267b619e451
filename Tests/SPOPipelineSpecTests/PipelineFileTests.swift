import Foundation
import XCTest
import SPOPipelineSpec

/// Every spec in pipelines/ validates, the method specs keep the reference's ratios, and
/// the tiny variants are tiny.
final class PipelineFileTests: XCTestCase {
    /// `pipelines/` of the package this test file belongs to.
    static let pipelines = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pipelines")

    private func specs(in directory: URL) throws -> [(name: String, url: URL)] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .map { ($0.deletingPathExtension().lastPathComponent, $0) }
            .sorted { $0.name < $1.name }
    }

    private func resolve(_ url: URL) throws -> ResolvedPipelineSpec {
        let relative = "pipelines/" + url.path.dropFirst(Self.pipelines.path.count + 1)
        return try PipelineSpec.resolve(json: Data(contentsOf: url), sourceName: relative)
    }

    func testEveryMethodHasASpecAndATinyVariant() throws {
        let methods = PipelineMethod.allCases.map(\.rawValue).sorted()
        XCTAssertEqual(try specs(in: Self.pipelines).map(\.name), methods)
        XCTAssertEqual(try specs(in: Self.pipelines.appendingPathComponent("tiny")).map(\.name), methods)
    }

    func testEverySpecInPipelinesValidates() throws {
        let enumerator = FileManager.default.enumerator(at: Self.pipelines, includingPropertiesForKeys: nil)
        var checked = 0
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "json" else { continue }
            let issues = PipelineSpec.validate(json: try Data(contentsOf: url), sourceName: url.path)
            XCTAssertEqual(issues, [], issues.map(\.description).joined(separator: "\n"))
            checked += 1
        }
        XCTAssertEqual(checked, 14)
    }

    func testSpecsUseTheirOwnMethodAndTheDefaultStartingPoint() throws {
        for (name, url) in try specs(in: Self.pipelines) {
            let spec = try resolve(url)
            XCTAssertEqual(spec.method.rawValue, name)
            XCTAssertEqual(spec.name, name)
            XCTAssertEqual(spec.model, .checkpoint(path: "runs/sft-default/checkpoint"), name)
            XCTAssertEqual(spec.tokenizer, "configs/tokenizers/char.json", name)
            XCTAssertEqual(spec.task, ["kind": "arithmetic", "config": "configs/tasks/arithmetic.json", "reward": "gsm8k"], name)
            XCTAssertEqual(spec.optimize.probabilityMask.enabled, [.spoChain, .spoTree].contains(spec.method), name)
        }
    }

    /// method.md section 7: SPO-chain 64 prompts × 8 samples, 2 epochs, batch 64 (8 steps
    /// per epoch); SPO-tree 16 prompts, 1 epoch, batch 128, a 6-6-6 tree. Scaled down, the
    /// ratios stay.
    func testScaledSpecsKeepTheReferenceRatios() throws {
        for (name, url) in try specs(in: Self.pipelines) {
            let spec = try resolve(url)
            if let samples = spec.sampling.samplesPerPrompt {
                XCTAssertEqual(samples, 8, name)
                XCTAssertEqual(spec.sampling.promptsPerIteration * samples / spec.optimize.batchSize, 512 / 64, name)
                XCTAssertEqual(spec.optimize.epochs, 2, name)
            } else {
                XCTAssertEqual(spec.optimize.epochs, 1, name)
            }
        }
        let tree = try resolve(Self.pipelines.appendingPathComponent("spo-tree.json"))
        guard case .spoTree(let settings)? = tree.tree else { return XCTFail("spo-tree.json has no spo_tree") }
        XCTAssertEqual(settings.branching, [6, 6, 6])
        // 16 prompts per batch of 128 in the reference: the same prompts-to-batch ratio.
        XCTAssertEqual(tree.optimize.batchSize / tree.sampling.promptsPerIteration, 128 / 16)
    }

    func testTinyVariantsAreTiny() throws {
        for (name, url) in try specs(in: Self.pipelines.appendingPathComponent("tiny")) {
            let spec = try resolve(url)
            XCTAssertEqual(spec.method.rawValue, name)
            XCTAssertEqual(spec.name, "tiny-\(name)")
            XCTAssertEqual(spec.model, .config(path: "configs/models/tiny.json", initSeed: 1), name)
            XCTAssertLessThanOrEqual(spec.iterations, 5, name)
            XCTAssertLessThanOrEqual(spec.sampling.promptsPerIteration, 4, name)
            XCTAssertLessThanOrEqual(spec.sampling.samplesPerPrompt ?? 4, 4, name)
            XCTAssertLessThanOrEqual(spec.sampling.maxTokens, 48, name)
            if case .monteCarlo(let rollouts) = spec.value { XCTAssertLessThanOrEqual(rollouts, 3, name) }
            switch spec.tree {
            case .spoTree(let tree)?: XCTAssertLessThanOrEqual(tree.fullTreeLeaves, 4, name)
            case .treePO(let tree)?: XCTAssertLessThanOrEqual(tree.leafBudget, 4, name)
            case nil: break
            }
            XCTAssertLessThanOrEqual(spec.evaluation.questions ?? .max, 8, name)
        }
    }
}
