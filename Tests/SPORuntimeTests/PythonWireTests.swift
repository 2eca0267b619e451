import Foundation
import XCTest

/// The wire protocol as a contract for other languages: two Python programs written from
/// docs/protocol.md and docs/runtime.md alone (Tests/Python) talk to a running pipeline.
/// They need python3 with pyzmq, msgpack and numpy (ops/install-deps.sh installs them);
/// without those the tests are skipped, unless SPO_REQUIRE_PYTHON_WIRE is set (ops/test.sh
/// sets it), when they fail.
extension PipelineEndToEndTests {
    static let python = repository.appendingPathComponent("Tests/Python")

    /// Throws XCTSkip, or fails under SPO_REQUIRE_PYTHON_WIRE, when python3 lacks the modules.
    func requirePythonWire() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import zmq, msgpack, numpy"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus != 0 else { return }
        let message = "python3 with pyzmq, msgpack and numpy is needed (ops/install-deps.sh installs them)"
        if ProcessInfo.processInfo.environment["SPO_REQUIRE_PYTHON_WIRE"] != nil {
            XCTFail(message + "; SPO_REQUIRE_PYTHON_WIRE is set")
            throw XCTSkip("failed: " + message)
        }
        throw XCTSkip(message)
    }

    /// Starts `python3 SCRIPT ARGUMENTS` from the repository root, its output in `name`.out.
    func startPython(_ script: String, _ arguments: [String], name: String) throws -> (process: Process, output: URL) {
        try start(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.python.appendingPathComponent(script).path] + arguments,
            name: name)
    }

    /// tap_decode.py checks 12 rollouts, 8 training samples and the driver's control and
    /// metrics traffic of a running pipeline against the protocol document: frames,
    /// envelope keys and types, message types per edge, array dtypes, shapes and lengths.
    func testPythonTapDecoderReadsARunningPipeline() throws {
        try requirePythonWire()
        let (spec, run) = try writeRandomWeightsSpec(name: "python-tap", iterations: 10)
        // It waits for the resolved spec the run writes, then connects while stages start.
        let decoder = try startPython(
            "tap_decode.py", [run.path, "rollouts=12", "samples=8", "control=4", "metrics=4", "--timeout", "60"],
            name: "tap-decode")
        let (status, output) = try runPipeline(spec)
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        decoder.process.waitUntilExit()
        let printed = try String(contentsOf: decoder.output, encoding: .utf8)
        XCTAssertEqual(decoder.process.terminationStatus, 0, printed)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: [String: Any]], printed)
        XCTAssertEqual(report["rollouts"]?["messages"] as? Int, 12)
        XCTAssertEqual(report["rollouts"]?["types"] as? [String: Int], ["rollout": 12])
        XCTAssertEqual(report["rollouts"]?["side"] as? String, "received")
        // 12 responses of 1 to 16 tokens.
        XCTAssertTrue((12...192).contains(report["rollouts"]?["response_tokens"] as? Int ?? 0), "\(report)")
        XCTAssertEqual(report["samples"]?["types"] as? [String: Int], ["training_sample": 8])
        XCTAssertTrue((8...128).contains(report["samples"]?["loss_tokens"] as? Int ?? 0), "\(report)")
        XCTAssertEqual(report["control"]?["side"] as? String, "sent")
        XCTAssertEqual(report["control"]?["messages"] as? Int, 4)
        XCTAssertEqual(report["metrics"]?["messages"] as? Int, 4)
    }

    /// The advantage stage replaced by Tests/Python/advantage_stage.py (`command` in the
    /// spec) in the end-to-end test's run: every iteration scores and trains on all its
    /// 8 × 8 samples, and the reward rises by the end-to-end test's margin (the Python
    /// GRPO advantages equal the Swift ones to float32 rounding, so the run follows the
    /// same course).
    func testPythonAdvantageStageTrains() throws {
        try requirePythonWire()
        let checkpoint = try makeStartingPolicy()
        let (specURL, run) = try writeSpec(checkpoint: checkpoint)
        var spec = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: specURL)) as? [String: Any])
        spec["stages"] = ["advantage": ["command": ["python3", Self.python.appendingPathComponent("advantage_stage.py").path]]]
        try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]).write(to: specURL)

        let (status, output) = try runPipeline(specURL)
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        let log = try String(contentsOf: run.appendingPathComponent("logs/advantage.0.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("Python)"), log)
        // 16 × 64 valued rollouts (more if the value stage re-sent some), none rejected.
        let summary = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("input valued: ") }, log)
        let counts = summary.split(separator: " ").compactMap { Int(String($0).trimmingCharacters(in: .punctuationCharacters)) }
        XCTAssertEqual(counts.count, 2, String(summary))
        XCTAssertGreaterThanOrEqual(counts.first ?? 0, 1024, String(summary))
        XCTAssertEqual(counts.last, 0, String(summary))
        let records = try jsonLines(run.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(records.count, 16)
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["rollouts_scored"] as? Int, 64, "iteration \(index)")
            XCTAssertEqual(record["samples_consumed"] as? Int, 64, "iteration \(index)")
            XCTAssertEqual(record["policy_version"] as? Int, index + 1, "iteration \(index)")
        }
        let rewards = records.map { ($0["reward_mean"] as? Double) ?? .nan }
        let first = rewards.prefix(4).reduce(0, +) / 4, last = rewards.suffix(4).reduce(0, +) / 4
        XCTAssertGreaterThan(last, first + 0.15, "reward by iteration: \(rewards)")
    }
}
