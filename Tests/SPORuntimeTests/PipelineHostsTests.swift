import Foundation
import XCTest

/// Weights transport `stream` and a spec split over two hosts, run for real as processes
/// on this machine (random weights: delivery, not learning; a few seconds each).
extension PipelineEndToEndTests {
    /// The pid in the last "ready (pid N)" line of a stage's log.
    func readyPID(_ log: URL) -> Int32? {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard let line = text.split(separator: "\n").last(where: { $0.contains("ready (pid ") }) else { return nil }
        return Int32(line.split(separator: "(pid ").last?.dropLast() ?? "")
    }

    /// Iterations in a run's metrics.jsonl so far.
    func finishedIterations(_ run: URL) -> Int {
        ((try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8))?
            .split(separator: "\n").count) ?? 0
    }

    /// Every iteration trained on its 8 prompts × 4 samples and made the next version.
    func assertEverySampleConsumed(_ run: URL, iterations: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let records = try jsonLines(run.appendingPathComponent("metrics.jsonl"))
        XCTAssertEqual(records.count, iterations, file: file, line: line)
        for (index, record) in records.enumerated() {
            XCTAssertEqual(record["samples_consumed"] as? Int, 32, "iteration \(index)", file: file, line: line)
            XCTAssertEqual(record["rollouts_scored"] as? Int, 32, "iteration \(index)", file: file, line: line)
            XCTAssertEqual(record["policy_version"] as? Int, index + 1, "iteration \(index)", file: file, line: line)
        }
    }

    /// Streamed weights: the generate stage loads every version it samples with from the
    /// chunks (its log names each, with the byte count of the streamed file), nothing is
    /// read from the optimizer's files; killed after iteration 3, its restart holds
    /// version 0 and missed the broadcast of the version it needs, so it asks for it
    /// (`resend_weights`), the optimizer broadcasts the chunks again, and the run still
    /// trains on every sample. The kill lands while the driver evaluates version 3
    /// (`evaluation.every` 3, about 0.3 s, before it sends iteration 3's prompts), so the
    /// restarted replica needs version 3, which was broadcast before it started.
    func testStreamedWeightsReachGenerationAfterARestart() throws {
        let iterations = 6
        let (spec, run) = try writeRandomWeightsSpec(
            name: "stream-test", iterations: iterations,
            changes: ["weights_transport": "stream", "evaluation": ["every": 3]])
        let generateLog = run.appendingPathComponent("logs/generate.0.log")
        var killed = false
        let (status, output) = try runPipeline(spec) {
            guard !killed, finishedIterations(run) >= 3, let pid = readyPID(generateLog) else { return }
            XCTAssertEqual(kill(pid, SIGKILL), 0)
            killed = true
        }
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        XCTAssertTrue(killed)
        try assertEverySampleConsumed(run, iterations: iterations)
        let log = try String(contentsOf: generateLog, encoding: .utf8)
        // The version files are the model's tensors plus the safetensors header: the same
        // size every version.
        let size = try FileManager.default.attributesOfItem(
            atPath: run.appendingPathComponent(String(format: "weights/v%06d/model.safetensors", iterations)).path)[.size] as! Int
        for version in 1..<iterations {
            XCTAssertTrue(
                log.contains("loaded policy version \(version) (streamed model.safetensors, \(size) bytes)"),
                "version \(version) not loaded from the stream:\n\(log)")
        }
        XCTAssertFalse(log.contains("checkpoint file"), log)
        XCTAssertTrue(log.contains("asking for weights version"), "the restarted stage asks for the version it missed:\n\(log)")
        let optimizeLog = try String(contentsOf: run.appendingPathComponent("logs/optimize.0.log"), encoding: .utf8)
        XCTAssertTrue(optimizeLog.contains("streaming weights version 6: model.safetensors \(size) bytes in 1 chunk(s)"), optimizeLog)
        XCTAssertTrue(optimizeLog.contains("on a reader's request"), optimizeLog)
    }

    /// PPO with streamed weights: the critic travels as `critic/model.safetensors` beside
    /// the policy, and the value stage loads every version of it from the chunks. The
    /// model is 128 wide (intermediate 256): 311,936 parameters, 1,247,744 bytes of F32,
    /// so each file is two 1 MiB chunks.
    func testStreamedCriticReachesTheValueStage() throws {
        let iterations = 3
        let (spec, run) = try writeRandomWeightsSpec(
            name: "stream-ppo", iterations: iterations, changes: ["method": "ppo", "weights_transport": "stream"],
            modelChanges: ["hidden_size": 128, "intermediate_size": 256])
        let (status, output) = try runPipeline(spec)
        XCTAssertEqual(status, 0, "spo run failed:\n" + output.suffix(4000))
        try assertEverySampleConsumed(run, iterations: iterations)
        func size(_ file: String) throws -> Int {
            let path = run.appendingPathComponent(String(format: "weights/v%06d/", iterations) + file).path
            return try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        }
        let policySize = try size("model.safetensors"), criticSize = try size("critic/model.safetensors")
        XCTAssertGreaterThan(policySize, 1_247_744)
        XCTAssertLessThan(criticSize, 2 * 1_048_576)
        let log = try String(contentsOf: run.appendingPathComponent("logs/value.0.log"), encoding: .utf8)
        for version in 1..<iterations {
            XCTAssertTrue(
                log.contains("loaded critic version \(version) (streamed critic/model.safetensors, \(criticSize) bytes)"),
                "critic version \(version) not loaded from the stream:\n\(log)")
        }
        let optimizeLog = try String(contentsOf: run.appendingPathComponent("logs/optimize.0.log"), encoding: .utf8)
        XCTAssertTrue(optimizeLog.contains(
            "streaming weights version \(iterations): model.safetensors \(policySize) bytes in 2 chunk(s), "
                + "critic/model.safetensors \(criticSize) bytes in 2 chunk(s)"), optimizeLog)
    }

    /// Two host names for this machine (both 127.0.0.1): generation and partition on `b`,
    /// the rest and the driver on `a`, started as `spo run SPEC --host b` and
    /// `spo run SPEC --host a`. Weights stream (generate and optimize are on different
    /// hosts); b's supervisor restarts its generate replica after a SIGKILL, the driver
    /// notices the new incarnation and has the work re-sent; both processes end when the
    /// run does, and every sample is consumed.
    func testTwoHostsOnOneMachine() throws {
        let iterations = 5
        let basePort = 20000 + Int.random(in: 0..<20000)
        let (spec, run) = try writeRandomWeightsSpec(name: "hosts-test", iterations: iterations, changes: [
            "hosts": ["a": ["address": "127.0.0.1"], "b": ["address": "127.0.0.1"]],
            "base_port": basePort,
            "stages": [
                "generate": ["host": "b"], "partition": ["host": "b"], "value": ["host": "a"],
                "advantage": ["host": "a"], "optimize": ["host": "a"],
            ],
        ])
        let hostB = try startSPO(["run", spec.path, "--host", "b", "--quiet"], name: "host-b")
        defer { if hostB.process.isRunning { hostB.process.terminate() } }
        let generateLog = run.appendingPathComponent("hosts/b/logs/generate.0.log")
        var killed = false
        let (status, output) = try harness.runSPO(["run", spec.path, "--host", "a", "--quiet"]) { _ in
            guard !killed, finishedIterations(run) >= 2, let pid = readyPID(generateLog) else { return }
            XCTAssertEqual(kill(pid, SIGKILL), 0)
            killed = true
        }
        let deadline = Date().addingTimeInterval(30)
        while hostB.process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let outputB = (try? String(contentsOf: hostB.output, encoding: .utf8)) ?? ""
        XCTAssertEqual(status, 0, "spo run --host a failed:\n" + output.suffix(4000) + "\nhost b:\n" + outputB.suffix(2000))
        XCTAssertFalse(hostB.process.isRunning, "host b's supervisor did not stop:\n" + outputB.suffix(2000))
        XCTAssertEqual(hostB.process.terminationStatus, 0, outputB.suffix(2000) + "")
        XCTAssertTrue(outputB.contains("host b: stopped by the driver (the run finished its 5 iterations)"), outputB)
        XCTAssertTrue(killed)
        try assertEverySampleConsumed(run, iterations: iterations)

        // Each host ran its own stages and kept their logs apart.
        let fileManager = FileManager.default
        for name in ["generate.0", "partition.0"] {
            XCTAssertTrue(fileManager.fileExists(atPath: run.appendingPathComponent("hosts/b/logs/\(name).log").path), name)
            XCTAssertFalse(fileManager.fileExists(atPath: run.appendingPathComponent("logs/\(name).log").path), name)
        }
        for name in ["value.0", "advantage.0", "optimize.0", "driver"] {
            XCTAssertTrue(fileManager.fileExists(atPath: run.appendingPathComponent("logs/\(name).log").path), name)
        }
        XCTAssertTrue(fileManager.fileExists(atPath: run.appendingPathComponent("hosts/b/resolved-spec.json").path))
        let supervisorLog = try String(contentsOf: run.appendingPathComponent("hosts/b/logs/supervisor.log"), encoding: .utf8)
        XCTAssertTrue(supervisorLog.contains("generate.0 exited (signal 9); restarting it (1 of 3)"), supervisorLog)
        let driverLog = try String(contentsOf: run.appendingPathComponent("logs/driver.log"), encoding: .utf8)
        XCTAssertTrue(driverLog.contains("generate.0 on b, partition.0 on b"), driverLog)
        XCTAssertTrue(driverLog.contains("generate.0 is back"), driverLog)
        let generate = try String(contentsOf: generateLog, encoding: .utf8)
        XCTAssertTrue(generate.contains("loaded policy version \(iterations - 1) (streamed model.safetensors"), generate)
    }
}
