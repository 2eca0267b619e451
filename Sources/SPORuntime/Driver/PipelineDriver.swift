import Foundation
import SPOModel
import SPOPipelineSpec
import SPOTasks
import SPOTraining
import SPOWire

/// How `spo run` drives a pipeline.
public struct DriverOptions: Sendable {
    /// Where the `spo-<stage>` executables are (by default, next to the running `spo`).
    public var stageDirectory: URL
    /// The host this process runs for (`spo run --host NAME`): only the stages placed
    /// there start here. nil: every stage, which a spec on one host needs.
    public var host: String?
    /// Replace an earlier run in the run directory instead of refusing to start.
    public var overwrite = false
    /// Continue the run in the run directory from its newest saved weights version
    /// instead of starting afresh.
    public var resume = false
    /// Echo the stages' log lines to standard error (they always go to `<run>/logs`).
    public var echoStageLogs = true
    /// Every stage replica must send its first heartbeat within this time.
    public var readinessTimeout: Duration = .seconds(120)
    /// A replica silent for this long is killed (and restarted).
    public var stallLimit: Duration = .seconds(300)
    /// After `stop`, replicas get this long to exit before SIGTERM, then as long before SIGKILL.
    public var stopGrace: Duration = .seconds(10)
    /// A host supervisor (`spo run --host NAME` on a host other than the driver's) waits
    /// this long for the driver's first message before giving up.
    public var driverWait: Duration = .seconds(300)

    /// Options with the stage executables in `stageDirectory`.
    public init(stageDirectory: URL) {
        self.stageDirectory = stageDirectory
    }

    /// The directory of the running executable (symlinks resolved).
    public static var executableDirectory: URL {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
    }
}

/// What a run did.
public struct RunResult: Sendable {
    /// One record per finished iteration, in order.
    public let records: [IterationRecord]
    /// The signal that interrupted the run, if one did.
    public let interruptedBy: Int32?
    /// Test-split evaluations, in order (`evaluations.jsonl`).
    public var evaluations: [EvaluationPoint] = []

    /// One test-split evaluation of the run.
    public struct EvaluationPoint: Sendable, Equatable {
        /// Iterations done before it, and the policy version evaluated.
        public var iteration: Int, policyVersion: Int
        /// pass@1, pass@k, majority vote and greedy accuracy (nil when off).
        public var passAt1: Double, passAtK: Double, majorityVote: Double, greedy: Double?
        /// k, samples per question, and the questions.
        public var samples: Int, questions: Int
    }

    /// The results table: reward and training statistics per iteration, first vs last.
    public var table: String {
        var lines = ["iteration  reward  accuracy  truncated  kl        clip    ratio   samples  seconds"]
        for record in records {
            let json = record.json
            func number(_ key: String) -> Double { (json[key] as? Double) ?? .nan }
            lines.append(String(
                format: "%9d  %6.3f  %7.1f%%  %8.1f%%  %8.5f  %5.1f%%  %6.3f  %7d  %7.1f",
                record.iteration, record.rewardMean, 100 * record.accuracy, 100 * number("truncated_fraction"),
                number("kl"), 100 * number("clip_fraction"), number("mean_ratio"),
                (json["samples_consumed"] as? Int) ?? 0, record.seconds))
        }
        if let first = records.first, let last = records.last {
            lines.append(String(
                format: "reward, first → last iteration: %.3f → %.3f (%+.3f); accuracy %.1f%% → %.1f%%",
                first.rewardMean, last.rewardMean, last.rewardMean - first.rewardMean,
                100 * first.accuracy, 100 * last.accuracy))
        }
        if !evaluations.isEmpty {
            lines.append("")
            lines.append("held-out evaluation (test split)")
            lines.append("iteration  version  pass@1  pass@k  majority  greedy")
            for point in evaluations {
                lines.append(String(
                    format: "%9d  %7d  %5.1f%%  %5.1f%%  %7.1f%%  %@", point.iteration, point.policyVersion,
                    100 * point.passAt1, 100 * point.passAtK, 100 * point.majorityVote,
                    point.greedy.map { String(format: "%5.1f%%", 100 * $0) } ?? "  off"))
            }
            if let first = evaluations.first, let last = evaluations.last, evaluations.count > 1 {
                lines.append(String(
                    format: "pass@1 on %d test questions (k = %d): %.1f%% → %.1f%% (%+.1f points)",
                    last.questions, last.samples, 100 * first.passAt1, 100 * last.passAt1, 100 * (last.passAt1 - first.passAt1)))
            }
        }
        if let interruptedBy { lines.append("interrupted by signal \(interruptedBy) after \(records.count) iteration(s)") }
        return lines.joined(separator: "\n")
    }
}

/// The driver of a pipeline run: the `spo run` process. It writes the resolved spec to
/// the run directory, starts every stage replica as a process (`StageProcess`), feeds
/// each iteration's prompts (acknowledged work, re-sent until generation has it),
/// relays acknowledgements onto the control broadcast (see `StageRuntime`), collects
/// metrics into `<run>/metrics.jsonl`, restarts replicas that die (up to their
/// `max_restarts`; once a restarted replica's first heartbeat arrives, a `start`
/// broadcast makes every producer re-send its unacknowledged work at once), and at the
/// end, on SIGINT/SIGTERM or on failure, tells every stage to stop and makes sure each
/// exits. Its own edges (prompts, control, metrics) go through its tap (`TapPublisher`).
///
/// Iterations are strictly sequential (staleness 0): iteration i's prompts go out, asking
/// for policy version i, once the optimizer has finished iteration i − 1 and published
/// version i.
public final class PipelineDriver {
    /// The run's resolved spec.
    public let spec: ResolvedPipelineSpec
    /// Options.
    public let options: DriverOptions
    /// The run directory.
    public let runDirectory: URL

    /// The prompt queue's re-send timeout: generation, and the custody of its rollouts
    /// through training, must end within it (a dying generate replica triggers a
    /// re-send at once).
    static let promptAckTimeout: Duration = .seconds(300)

    private var logs: LogSink!
    private var processes: [StageProcess] = []
    private var lastHeard: [String: ContinuousClock.Instant] = [:]
    private var restartedNotReady = Set<String>()
    /// Replicas on other hosts, which their hosts' supervisors start.
    private var remoteReplicas: [(name: String, host: String)] = []
    /// The incarnation of each replica's message ids, to notice restarts on other hosts.
    private var incarnations: [String: Substring] = [:]
    private var records: [Int: IterationRecord] = [:]
    private var iteration = 0
    private var stopping = false
    private var ids = MessageIDGenerator(stage: "driver", replica: 0)
    private var nextHeartbeat = ContinuousClock.now
    private var evaluations: [RunResult.EvaluationPoint] = []

    /// A driver for `spec`.
    public init(spec: ResolvedPipelineSpec, options: DriverOptions) {
        self.spec = spec
        self.options = options
        runDirectory = URL(fileURLWithPath: spec.runDirectory)
    }

    /// The resolved spec's path in the run directory.
    public var resolvedSpecURL: URL { runDirectory.appendingPathComponent("resolved-spec.json") }
    /// The metrics file.
    public var metricsURL: URL { runDirectory.appendingPathComponent("metrics.jsonl") }

    private struct Interrupted: Error { let signal: Int32 }

    private struct Sockets {
        let prompts: Outbox
        let control: ZMQSocket
        let metrics: MessageReceiver
        let tap: TapPublisher

        /// Publishes on the control broadcast, and on the tap.
        func publish(_ message: Message) throws {
            let frames = try control.send(message)
            tap.publish(.control, side: .sent, frames: frames)
        }
    }

    /// Runs every iteration; returns the records (and the signal, if interrupted), throws
    /// on failure after stopping every stage.
    public func run() throws -> RunResult {
        let unsupported = Self.unsupportedFeatures(of: spec)
        guard unsupported.isEmpty else {
            throw RuntimeError(
                "spec \(spec.name) (method \(spec.method.rawValue)) needs what this build's stages do not implement: "
                    + unsupported.joined(separator: "; ") + ". This build runs grpo, rloo, ppo, spo-chain, spo-tree, treepo and vineppo.")
        }
        try Self.checkHost(options.host, spec: spec)
        let startIteration = try options.resume ? prepareResume() : prepareRunDirectory()
        logs = try LogSink(directory: runDirectory.appendingPathComponent("logs"), echo: options.echoStageLogs)
        let signals = SignalWatcher()
        let context = try ZMQContext()
        let sockets = try openSockets(context)
        var completed: [IterationRecord] = []
        do {
            let binding = try RunResources.binding(spec)
            let problems = try binding.spec.load(split: .train, count: nil, baseDirectory: RunResources.baseDirectory)
            let schedule = try PromptSchedule(
                problems: problems, promptsPerIteration: spec.sampling.promptsPerIteration, seed: spec.seed)
            let samplesPerPrompt = spec.sampling.samplesPerPrompt ?? Self.fullTreeLeaves(spec)
            try startStages()
            try waitUntilReady(sockets, signals: signals)
            let metricsLog = try MetricsLog(url: metricsURL)
            let evaluation = try RunEvaluation(spec: spec, binding: binding, runDirectory: runDirectory)
            var sampledTokens = try Self.sampledTokens(inMetrics: metricsURL)
            if startIteration == 0 {
                try evaluate(evaluation, iterationsDone: 0, sampledTokens: 0, sockets: sockets, signals: signals)
            } else {
                logs.write("driver", "resuming at iteration \(startIteration + 1)/\(spec.iterations) from weights version \(startIteration)")
            }
            let expectedGroups = spec.sampling.promptsPerIteration
            for current in startIteration..<spec.iterations {
                iteration = current
                let started = ContinuousClock.now
                try sendPrompts(schedule, binding: binding, samplesPerPrompt: samplesPerPrompt, sockets: sockets)
                var doneAt: ContinuousClock.Instant?
                while true {
                    try pump(sockets, signals: signals)
                    guard let record = records[current], record.optimize != nil else { continue }
                    let now = ContinuousClock.now
                    if doneAt == nil { doneAt = now }
                    if record.scoredGroups >= expectedGroups || now - doneAt! > .seconds(2) { break }
                }
                records[current]!.seconds = (doneAt! - started).seconds
                let record = records[current]!
                try metricsLog.write(record.json)
                completed.append(record)
                logs.write("driver", progressLine(record))
                sampledTokens += Int((record.sums["generate/tokens"] ?? 0) + (record.sums["advantage/value_tokens"] ?? 0))
                try evaluate(evaluation, iterationsDone: current + 1, sampledTokens: sampledTokens, sockets: sockets, signals: signals)
            }
            try shutdown(sockets, reason: "the run finished its \(spec.iterations) iterations")
            var result = RunResult(records: completed, interruptedBy: nil)
            result.evaluations = evaluations
            return result
        } catch let interrupted as Interrupted {
            logs.write("driver", "signal \(interrupted.signal): stopping the pipeline")
            try shutdown(sockets, reason: "interrupted by signal \(interrupted.signal)")
            var result = RunResult(records: completed, interruptedBy: interrupted.signal)
            result.evaluations = evaluations
            return result
        } catch {
            logs.write("driver", "failed: \(error)")
            try? shutdown(sockets, reason: "the driver failed: \(error)")
            throw error
        }
    }

    /// Evaluates the newest policy when `evaluation` is due, keeping the stages served
    /// meanwhile; logs the figures.
    private func evaluate(
        _ evaluation: RunEvaluation?, iterationsDone: Int, sampledTokens: Int, sockets: Sockets, signals: SignalWatcher
    ) throws {
        guard let evaluation, evaluation.isDue(afterIterations: iterationsDone) else { return }
        let store = WeightsStore(runDirectory: runDirectory)
        guard let latest = try store.latest() else { throw RuntimeError("no weights version to evaluate in \(runDirectory.path)/weights") }
        let model = try ModelCheckpoint.loadModel(from: store.versionDirectory(latest.version))
        evaluation.start(model: model, version: latest.version, iterationsDone: iterationsDone, sampledTokens: sampledTokens)
        while true {
            try pump(sockets, signals: signals)
            guard let line = try evaluation.finished() else { continue }
            func number(_ key: String) -> Double { line[key] as? Double ?? .nan }
            evaluations.append(RunResult.EvaluationPoint(
                iteration: iterationsDone, policyVersion: latest.version, passAt1: number("pass_at_1"),
                passAtK: number("pass_at_k"), majorityVote: number("majority_vote"), greedy: line["greedy"] as? Double,
                samples: spec.evaluation.samples, questions: line["questions"] as? Int ?? 0))
            logs.write("driver", String(
                format: "evaluation after %d iteration(s), version %d: pass@1 %.1f%%, pass@%d %.1f%%, majority %.1f%%, greedy %@ (%.1f s)",
                iterationsDone, latest.version, 100 * number("pass_at_1"), spec.evaluation.samples, 100 * number("pass_at_k"),
                100 * number("majority_vote"), (line["greedy"] as? Double).map { String(format: "%.1f%%", 100 * $0) } ?? "off",
                number("seconds")))
            return
        }
    }

    /// A tree method's G in the prompt batches: the leaves of a full tree (an upper
    /// bound; the generate stage sends what it samples).
    static func fullTreeLeaves(_ spec: ResolvedPipelineSpec) -> Int {
        switch spec.tree {
        case .spoTree(let tree)?: return tree.fullTreeLeaves
        case .treePO(let tree)?: return tree.leafBudget
        case nil: return 1
        }
    }

    /// What `spec` asks for that this build's stages lack, one phrase each; empty when it runs.
    public static func unsupportedFeatures(of spec: ResolvedPipelineSpec) -> [String] {
        var missing: [String] = []
        if ![.none, .monteCarlo, .tree, .critic].contains(spec.value.kind) {
            missing.append("value kind \(spec.value.kind.rawValue) (implemented: none, monte_carlo, tree, critic)")
        }
        if ![.grpo, .rloo, .chain, .tree, .treePO, .gae].contains(spec.advantage.kind) {
            missing.append("advantage kind \(spec.advantage.kind.rawValue) (implemented: grpo, rloo, chain, tree, treepo, gae)")
        }
        let optimizeHost = spec.settings(for: .optimize).host
        if spec.driver.host != optimizeHost {
            missing.append(
                "the driver on another host than the optimize stage (driver.host \(spec.driver.host), optimize on \(optimizeHost)): "
                    + "the driver reads the saved weights to evaluate and to resume")
        }
        return missing
    }

    /// The hosts the spec places its processes on (the stages' and the driver's), sorted.
    public static func hostsInUse(_ spec: ResolvedPipelineSpec) -> [String] {
        Array(Set(PipelineStage.allCases.map { spec.settings(for: $0).host } + [spec.driver.host])).sorted()
    }

    /// Checks that a driver for `host` (nil: every process here) may run `spec`: nil
    /// needs a spec on one host; a host must be the driver's.
    static func checkHost(_ host: String?, spec: ResolvedPipelineSpec) throws {
        let hosts = hostsInUse(spec)
        guard let host else {
            guard hosts.count == 1 else {
                throw RuntimeError(
                    "spec \(spec.name) places its processes on hosts \(hosts.joined(separator: ", ")): start each host's part with "
                        + "`spo run SPEC --host NAME` on that host (the driver runs with --host \(spec.driver.host))")
            }
            return
        }
        guard host == spec.driver.host else {
            throw RuntimeError("--host \(host): the driver runs on host \(spec.driver.host); other hosts run a HostSupervisor")
        }
    }

    /// Makes a fresh run directory (replacing an earlier run with `overwrite`) and writes
    /// the resolved spec; returns 0, the iteration to start at.
    private func prepareRunDirectory() throws -> Int {
        let manager = FileManager.default
        let earlier = ["resolved-spec.json", "metrics.jsonl", "weights", "logs", "sockets"]
        let present = earlier.filter { manager.fileExists(atPath: runDirectory.appendingPathComponent($0).path) }
        if !present.isEmpty {
            guard options.overwrite else {
                throw RuntimeError(
                    "run directory \(spec.runDirectory) holds an earlier run (\(present.joined(separator: ", "))); "
                        + "pass --overwrite to replace it, or set another run_directory")
            }
            for name in present { try manager.removeItem(at: runDirectory.appendingPathComponent(name)) }
        }
        try manager.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try AtomicFile.write(spec.canonicalJSON(), to: resolvedSpecURL)
        return 0
    }

    /// For `resume`: the iterations the newest saved weights version has done (where the
    /// run continues: the optimizer reloads that version with its AdamW state and schedule
    /// step, and every seed depends on the iteration, not on the process), with the
    /// metrics and evaluations of later iterations removed so none is written twice.
    private func prepareResume() throws -> Int {
        guard FileManager.default.fileExists(atPath: resolvedSpecURL.path) else {
            throw RuntimeError("cannot resume: \(resolvedSpecURL.path) does not exist (no run started in \(spec.runDirectory))")
        }
        let done = try WeightsStore(runDirectory: runDirectory).latest()?.iteration ?? 0
        guard done < spec.iterations else {
            throw RuntimeError("cannot resume: the run in \(spec.runDirectory) finished its \(spec.iterations) iterations")
        }
        try MetricsLog.truncate(url: metricsURL, keepingWhere: "iteration", atMost: done - 1)
        try MetricsLog.truncate(
            url: runDirectory.appendingPathComponent("evaluations.jsonl"), keepingWhere: "iteration", atMost: done)
        return done
    }

    /// Tokens sampled for training in the iterations `metrics.jsonl` records (0 when absent).
    static func sampledTokens(inMetrics url: URL) throws -> Int {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").reduce(0) { total, line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return total + ((object?["generated_tokens"] as? Int) ?? 0) + ((object?["value_tokens"] as? Int) ?? 0)
        }
    }

    private func openSockets(_ context: ZMQContext) throws -> Sockets {
        let prompts = try EdgeSockets.open(.prompts, type: .push, as: .driver, replica: 0, spec: spec, context: context)
        let control = try EdgeSockets.open(.control, type: .pub, as: .driver, replica: 0, spec: spec, context: context)
        let metricsSocket = try EdgeSockets.open(.metrics, type: .pull, as: .driver, replica: 0, spec: spec, context: context)
        let logs = self.logs!
        let sockets = Sockets(
            prompts: Outbox(socket: prompts, ackTimeout: Self.promptAckTimeout, maxAttempts: 10),
            control: control,
            metrics: MessageReceiver(socket: metricsSocket, accepting: [.control, .metrics]) { logs.write("driver", $0) },
            tap: try TapPublisher(spec: spec, participant: .driver, replica: 0, context: context))
        sockets.tap.tapSent(sockets.prompts.sender, on: .prompts)
        sockets.tap.tapReceived(sockets.metrics, on: .metrics)
        return sockets
    }

    /// Starts the replicas of the stages on this process's host (`options.host`; every
    /// stage when nil).
    private func startStages() throws {
        for stage in PipelineStage.allCases where options.host == nil || spec.settings(for: stage).host == options.host {
            processes += try StageProcess.replicas(
                of: stage, spec: spec, specPath: resolvedSpecURL.path, stageDirectory: options.stageDirectory)
        }
        for process in processes {
            try process.start(logs: logs)
        }
        let now = ContinuousClock.now
        for name in Self.replicaNames(spec) { lastHeard[name] = now }
        logs.write("driver", "started \(processes.count) stage processes: " + processes.map(\.name).joined(separator: ", "))
        for stage in PipelineStage.allCases where options.host != nil && spec.settings(for: stage).host != options.host {
            let host = spec.settings(for: stage).host
            remoteReplicas += (0..<spec.settings(for: stage).replicas).map { ("\(stage.rawValue).\($0)", host) }
        }
        if !remoteReplicas.isEmpty {
            logs.write("driver", "the stages of other hosts (each started by `spo run SPEC --host NAME` there): "
                + remoteReplicas.map { "\($0.name) on \($0.host)" }.joined(separator: ", "))
        }
    }

    /// `<stage>.<replica>` of every replica of the spec, on any host.
    static func replicaNames(_ spec: ResolvedPipelineSpec) -> [String] {
        PipelineStage.allCases.flatMap { stage in (0..<spec.settings(for: stage).replicas).map { "\(stage.rawValue).\($0)" } }
    }

    /// Waits for the first heartbeat of every replica of the spec, on every host.
    private func waitUntilReady(_ sockets: Sockets, signals: SignalWatcher) throws {
        let names = Self.replicaNames(spec)
        var heard = Set<String>()
        let deadline = ContinuousClock.now + options.readinessTimeout
        let before = lastHeard
        while heard.count < names.count {
            try pump(sockets, signals: signals)
            heard = Set(names.filter { lastHeard[$0] != before[$0] })
            if ContinuousClock.now > deadline {
                let missing = names.filter { !heard.contains($0) }
                let remote = missing.filter { name in remoteReplicas.contains { $0.name == name } }
                throw RuntimeError(
                    "no heartbeat within \(options.readinessTimeout) from \(missing.joined(separator: ", ")); see their logs in \(runDirectory.path)/logs"
                        + (remote.isEmpty ? "" : " (\(remote.joined(separator: ", ")) run on other hosts: is `spo run SPEC --host NAME` running there?)"))
            }
        }
        logs.write("driver", "every stage is ready")
    }

    private func sendPrompts(_ schedule: PromptSchedule, binding: TaskBinding, samplesPerPrompt: Int, sockets: Sockets) throws {
        let batches = try schedule.batches(
            iteration: iteration, batchCount: spec.settings(for: .generate).replicas, binding: binding,
            samplesPerPrompt: samplesPerPrompt)
        for (index, batch) in batches.enumerated() {
            let envelope = try Envelope(
                runID: spec.name, messageID: "prompts/\(iteration)/\(index)", stage: "driver", replica: 0,
                iteration: iteration, policyVersion: iteration)
            try sockets.prompts.send(Message(envelope: envelope, body: .promptBatch(batch)))
        }
        try publishControl(.iteration, sockets: sockets)
        records[iteration] = records[iteration] ?? IterationRecord(iteration: iteration)
    }

    /// One turn of the driver's loop: messages from the stages, supervision, heartbeats,
    /// re-sends.
    private func pump(_ sockets: Sockets, signals: SignalWatcher) throws {
        if let signal = signals.receivedSignal { throw Interrupted(signal: signal) }
        var poller = ZMQPoller()
        poller.add(sockets.metrics.socket)
        _ = try poller.poll(timeout: .milliseconds(50))
        sockets.tap.refresh()
        while let received = try sockets.metrics.receive(timeout: .zero) {
            try handle(received.message, sockets: sockets)
        }
        try supervise(sockets)
        if ContinuousClock.now >= nextHeartbeat {
            nextHeartbeat = .now + StageRuntime.heartbeatInterval
            try publishControl(.heartbeat, sockets: sockets)
        }
        let abandoned = try sockets.prompts.flush()
        if !abandoned.isEmpty {
            throw RuntimeError("prompt batches \(abandoned.joined(separator: ", ")) were never acknowledged by generation; see the generate logs")
        }
    }

    private func handle(_ message: Message, sockets: Sockets) throws {
        let envelope = message.envelope
        let name = "\(envelope.stage).\(envelope.replica)"
        lastHeard[name] = .now
        var restartedElsewhere = false
        if let incarnation = Self.incarnation(of: envelope) {
            restartedElsewhere = incarnations[name].map { $0 != incarnation } ?? false
            incarnations[name] = incarnation
        }
        if restartedNotReady.remove(name) != nil || restartedElsewhere {
            logs.write("driver", "\(name) is back; producers re-send their unacknowledged work")
            _ = try sockets.prompts.resendAll()
            try publishControl(.start, sockets: sockets)
        }
        switch message.body {
        case .control(let control):
            switch control {
            case .ack:
                sockets.prompts.acknowledge(control)
                try sockets.publish(message)
            case .resendWeights:
                try sockets.publish(message)  // for the optimizer, as acks are relayed for producers
            case .stop(let reason):
                // Only a host supervisor sends stop to the driver: its stages cannot go on.
                throw RuntimeError(reason ?? "\(name) asked to stop the run")
            default:
                break
            }
        case .metrics(let metrics):
            guard (0..<spec.iterations).contains(envelope.iteration) else { return }
            records[envelope.iteration, default: IterationRecord(iteration: envelope.iteration)].add(metrics.values)
        default:
            break
        }
    }

    /// The incarnation part of a Swift stage's message id
    /// `<stage>.<replica>.<incarnation>.<sequence>` (`MessageIDGenerator`), which changes
    /// when the replica restarts; nil for ids of another form.
    static func incarnation(of envelope: Envelope) -> Substring? {
        let parts = envelope.messageID.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == envelope.stage, parts[1] == "\(envelope.replica)", Int(parts[3]) != nil else {
            return nil
        }
        return parts[2]
    }

    /// Restarts local replicas that exited (failing the run past `max_restarts`), kills
    /// local ones silent for `stallLimit`, and fails the run when a replica on another
    /// host is silent that long (its host's supervisor restarts what exits there).
    private func supervise(_ sockets: Sockets) throws {
        guard !stopping else { return }
        let now = ContinuousClock.now
        for (name, host) in remoteReplicas {
            if let heard = lastHeard[name], now - heard > options.stallLimit {
                throw RuntimeError(
                    "\(name), on host \(host), has been silent for \(options.stallLimit); "
                        + "is `spo run SPEC --host \(host)` still running there? (see \(spec.runDirectory)/hosts/\(host)/logs on that host)")
            }
        }
        for process in processes {
            if !process.isRunning {
                let limit = spec.settings(for: process.stage).maxRestarts
                guard process.restarts < limit else {
                    throw RuntimeError(
                        "\(process.name) exited (\(process.exitDescription)) after \(process.restarts) restart(s), its max_restarts; "
                            + "see \(runDirectory.path)/logs/\(process.name).log")
                }
                process.restarts += 1
                logs.write("driver", "\(process.name) exited (\(process.exitDescription)); restarting it (\(process.restarts) of \(limit))")
                try process.start(logs: logs)
                lastHeard[process.name] = now
                restartedNotReady.insert(process.name)
            } else if let heard = lastHeard[process.name], now - heard > options.stallLimit {
                logs.write("driver", "\(process.name) has been silent for \(options.stallLimit); killing it")
                process.send(SIGKILL)
                lastHeard[process.name] = now
            }
        }
    }

    private func publishControl(_ control: Control, sockets: Sockets) throws {
        let envelope = try Envelope(
            runID: spec.name, messageID: ids.next(), stage: "driver", replica: 0, iteration: iteration,
            policyVersion: iteration)
        try sockets.publish(Message(envelope: envelope, body: .control(control)))
    }

    /// Tells every stage to stop (repeatedly: a broadcast can be missed), then terminates
    /// and kills what is left here. With stages on other hosts, `stop` goes out for at
    /// least `remoteStopWindow`, so their supervisors and replicas hear it.
    private func shutdown(_ sockets: Sockets, reason: String) throws {
        stopping = true
        let started = ContinuousClock.now
        let deadline = started + options.stopGrace
        let remote = !remoteReplicas.isEmpty
        while ContinuousClock.now < deadline,
              processes.contains(where: \.isRunning) || (remote && ContinuousClock.now - started < Self.remoteStopWindow) {
            try publishControl(.stop(reason: reason), sockets: sockets)
            sockets.tap.refresh()
            while let received = try sockets.metrics.receive(timeout: .milliseconds(100)) {
                lastHeard["\(received.message.envelope.stage).\(received.message.envelope.replica)"] = .now
            }
        }
        StageProcess.terminate(processes, grace: options.stopGrace) { logs.write("driver", $0) }
        Thread.sleep(forTimeInterval: 0.1)
        let unclean = processes.filter { !$0.exitedCleanly }
        logs.write("driver", "all stages stopped" + (unclean.isEmpty ? "" : "; not cleanly: " + unclean.map { "\($0.name) (\($0.exitDescription))" }.joined(separator: ", ")))
    }

    /// How long `stop` is broadcast at the least when stages run on other hosts.
    static let remoteStopWindow: Duration = .seconds(2)

    private func progressLine(_ record: IterationRecord) -> String {
        let json = record.json
        func number(_ key: String) -> Double { (json[key] as? Double) ?? .nan }
        return String(
            format: "iteration %d/%d: reward %.3f, accuracy %.1f%%, kl %.5f, clip %.1f%%, ratio %.3f, %d samples, %.0f train tok/s, %.0f gen tok/s, %.1f s",
            record.iteration + 1, spec.iterations, record.rewardMean, 100 * record.accuracy, number("kl"),
            100 * number("clip_fraction"), number("mean_ratio"), (json["samples_consumed"] as? Int) ?? 0,
            number("tokens_per_second"), number("generation_tokens_per_second"), record.seconds)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
