import Foundation
import XCTest
import SPOPipelineSpec
import SPOTasks
import SPOWire
@testable import SPORuntime

final class DriverPiecesTests: XCTestCase {
    func problems(_ count: Int) -> [Problem] {
        (0..<count).map { Problem(id: "q\($0)", question: "Q\($0)", solution: "#### \($0)", answer: "\($0)") }
    }

    /// Iterations take P problems in the shuffled order and cycle; the same seed gives
    /// the same order.
    func testScheduleCyclesThroughShuffledProblems() throws {
        let schedule = try PromptSchedule(problems: problems(5), promptsPerIteration: 2, seed: 7)
        let again = try PromptSchedule(problems: problems(5), promptsPerIteration: 2, seed: 7)
        XCTAssertEqual(schedule.problems, again.problems)
        XCTAssertEqual(Set(schedule.problems.map(\.id)), Set(problems(5).map(\.id)))
        let order = schedule.problems.map(\.id)
        XCTAssertEqual(schedule.problems(iteration: 0).map(\.id), Array(order[0..<2]))
        XCTAssertEqual(schedule.problems(iteration: 2).map(\.id), [order[4], order[0]])
        XCTAssertThrowsError(try PromptSchedule(problems: problems(1), promptsPerIteration: 2, seed: 7))
    }

    /// Acks, iteration-done summaries (re-sent every second) and per-group sums.
    func testIterationRecordAggregates() {
        var record = IterationRecord(iteration: 3)
        record.add(["advantage/rollouts": 4, "advantage/reward_sum": 1, "advantage/correct": 2])
        record.add(["advantage/rollouts": 4, "advantage/reward_sum": -1, "advantage/correct": 0])
        record.add(["optimize/iteration_done": 1, "optimize/samples": 8, "optimize/kl": 0.5])
        record.add(["optimize/iteration_done": 1, "optimize/samples": 99])
        XCTAssertEqual(record.rewardMean, 0)
        XCTAssertEqual(record.accuracy, 0.25)
        XCTAssertEqual(record.scoredRollouts, 8)
        XCTAssertEqual(record.json["samples_consumed"] as? Int, 8)
        XCTAssertEqual(record.json["kl"] as? Double, 0.5)
        XCTAssertTrue(record.json["gradient_norm"] is NSNull)
    }

    func testStageArguments() throws {
        XCTAssertEqual(try StageMain.parse(["--spec", "r/s.json", "--replica", "2"]).replica, 2)
        XCTAssertEqual(try StageMain.parse(["--replica", "1", "--spec", "x"]).spec, "x")
        XCTAssertThrowsError(try StageMain.parse(["--replica", "-1", "--spec", "x"]))
        XCTAssertThrowsError(try StageMain.parse(["--replica", "1"]))
        XCTAssertThrowsError(try StageMain.parse(["--spec"]))
    }

    /// Seeds depend on the run seed and the name only (FNV-1a + SplitMix64 finaliser),
    /// never on the process: fixed values.
    func testSeedDerivationIsStable() {
        XCTAssertEqual(SeedDerivation.seed(1, "generate/q1@0/0"), SeedDerivation.seed(1, "generate/q1@0/0"))
        XCTAssertNotEqual(SeedDerivation.seed(1, "generate/q1@0/0"), SeedDerivation.seed(1, "generate/q1@0/1"))
        XCTAssertNotEqual(SeedDerivation.seed(1, "a"), SeedDerivation.seed(2, "a"))
    }

    /// The tiny specs of the methods this build runs need nothing it lacks, streamed
    /// weights included; a driver away from the optimizer is named before starting
    /// anything.
    func testUnsupportedFeaturesAreNamedUpFront() throws {
        let tiny = PipelineEndToEndTests.repository.appendingPathComponent("pipelines/tiny")
        func resolve(_ name: String) throws -> ResolvedPipelineSpec {
            try PipelineSpec.resolve(contentsOf: tiny.appendingPathComponent("\(name).json"))
        }
        for method in ["grpo", "rloo", "ppo", "spo-chain", "spo-tree", "treepo", "vineppo"] {
            XCTAssertEqual(PipelineDriver.unsupportedFeatures(of: try resolve(method)), [], method)
        }
        var streamed = try resolve("treepo")
        streamed.weightsTransport = .stream
        XCTAssertEqual(PipelineDriver.unsupportedFeatures(of: streamed), [])
        var away = try resolve("grpo")
        away.driver.host = "cpu1"
        XCTAssertEqual(PipelineDriver.unsupportedFeatures(of: away), [
            "the driver on another host than the optimize stage (driver.host cpu1, optimize on local): the driver reads the saved weights to evaluate and to resume",
        ])
    }

    /// A driver without --host needs a one-host spec; with --host, the driver's host.
    func testHostOfTheDriver() throws {
        var spec = try PipelineSpec.resolve(
            contentsOf: PipelineEndToEndTests.repository.appendingPathComponent("pipelines/tiny/grpo.json"))
        XCTAssertNoThrow(try PipelineDriver.checkHost(nil, spec: spec))
        XCTAssertNoThrow(try PipelineDriver.checkHost("local", spec: spec))
        spec.stages[.generate]!.host = "b"
        XCTAssertEqual(PipelineDriver.hostsInUse(spec), ["b", "local"])
        XCTAssertThrowsError(try PipelineDriver.checkHost(nil, spec: spec)) {
            XCTAssertTrue("\($0)".contains("places its processes on hosts b, local"), "\($0)")
        }
        XCTAssertThrowsError(try PipelineDriver.checkHost("b", spec: spec))
        XCTAssertEqual(HostSupervisor.stages(of: spec, on: "b"), [.generate])
    }

    /// The driver notices a replica's restart on another host by the incarnation in its
    /// message ids (`MessageIDGenerator`: "<stage>.<replica>.<incarnation>.<sequence>").
    func testIncarnationOfMessageIDs() throws {
        func envelope(_ id: String, stage: String = "generate", replica: Int = 1) throws -> Envelope {
            try Envelope(runID: "r", messageID: id, stage: stage, replica: replica, iteration: 0, policyVersion: 0)
        }
        XCTAssertEqual(PipelineDriver.incarnation(of: try envelope("generate.1.9f3ab2c0.17")), "9f3ab2c0")
        var ids = MessageIDGenerator(stage: "generate", replica: 1, incarnation: "abc")
        XCTAssertEqual(PipelineDriver.incarnation(of: try envelope(ids.next())), "abc")
        XCTAssertNil(PipelineDriver.incarnation(of: try envelope("generate.2.9f3ab2c0.17")), "another replica's form")
        XCTAssertNil(PipelineDriver.incarnation(of: try envelope("generate.1.9f3ab2c0.x")))
        XCTAssertNil(PipelineDriver.incarnation(of: try envelope("6f1c9d2e-uuid")))
        XCTAssertNil(PipelineDriver.incarnation(of: try envelope("py-partition.0.ab.3", stage: "partition", replica: 0)))
    }
}
