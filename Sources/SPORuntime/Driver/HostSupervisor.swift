import Foundation
import SPOModel
import SPOPipelineSpec
import SPOWire

/// `spo run SPEC --host NAME` on a host that is not the driver's: a lightweight
/// supervisor of the stage replicas the spec places on NAME (docs/runtime.md, "Several
/// hosts"). It
///
/// 1. writes the resolved spec to `<run>/hosts/<NAME>/resolved-spec.json` (the stages'
///    `--spec`) and its log and the stages' to `<run>/hosts/<NAME>/logs/`, so it never
///    touches the driver's files when the hosts share a disk;
/// 2. waits (up to `DriverOptions.driverWait`) for the driver's first `control` message,
///    so the hosts can be started in any order and the driver has prepared the run
///    directory before any stage starts;
/// 3. starts every replica of its stages (`StageProcess`), restarts one that exits up to
///    its `max_restarts` (the driver notices the new incarnation in its messages and has
///    the producers re-send at once), and when one exits once more sends the driver a
///    `control` `stop` with the reason on the metrics queue (the driver fails the run)
///    and stops its stages;
/// 4. stops when the driver broadcasts `stop` (its stages get the same broadcast; what is
///    left after `stopGrace` is terminated), when the driver has been silent for
///    `StageRuntime.driverSilenceLimit` (the stages give up at the same limit), or on
///    SIGINT/SIGTERM (after telling the driver, which then fails the run, since the
///    stages here are gone: `spo run --resume` continues it).
///
/// It reads the `control` broadcast and writes to the driver's `metrics` queue, the two
/// edges every stage already reaches across hosts.
public final class HostSupervisor {
    /// The run's resolved spec.
    public let spec: ResolvedPipelineSpec
    /// The host supervised.
    public let host: String
    /// Options (the stage directory, waits, echo).
    public let options: DriverOptions

    private var logs: LogSink!
    private var processes: [StageProcess] = []
    private var ids = MessageIDGenerator(stage: "supervisor", replica: 0)
    /// Its log's name, and the `stage` of its envelopes.
    private let source = "supervisor"

    /// A supervisor of the stages `spec` places on `host`.
    public init(spec: ResolvedPipelineSpec, host: String, options: DriverOptions) {
        self.spec = spec
        self.host = host
        self.options = options
    }

    /// `<run>/hosts/<host>`: this host's resolved spec and logs.
    public var directory: URL {
        URL(fileURLWithPath: spec.runDirectory).appendingPathComponent("hosts").appendingPathComponent(host)
    }

    /// The stages `spec` places on `host`.
    public static func stages(of spec: ResolvedPipelineSpec, on host: String) -> [PipelineStage] {
        PipelineStage.allCases.filter { spec.settings(for: $0).host == host }
    }

    /// How a supervision ended without failing.
    public enum Outcome: Sendable, Equatable {
        /// The driver broadcast `stop`.
        case stopped(reason: String)
        /// SIGINT or SIGTERM.
        case interrupted(signal: Int32)
    }

    private struct Sockets {
        let control: MessageReceiver
        let metrics: ZMQSocket
    }

    /// Supervises until the driver stops the run (or a signal); throws when a replica
    /// exceeds its restarts, the driver does not appear or falls silent.
    public func run() throws -> Outcome {
        let stages = Self.stages(of: spec, on: host)
        guard spec.driver.host != host else {
            throw RuntimeError("host \(host) is the driver's: `spo run --host \(host)` runs the driver there")
        }
        guard !stages.isEmpty else {
            throw RuntimeError(
                "spec \(spec.name) places no stage on host \(host) (hosts with stages: "
                    + Set(PipelineStage.allCases.map { spec.settings(for: $0).host }).sorted().joined(separator: ", ") + ")")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let specURL = directory.appendingPathComponent("resolved-spec.json")
        try AtomicFile.write(spec.canonicalJSON(), to: specURL)
        logs = try LogSink(directory: directory.appendingPathComponent("logs"), echo: options.echoStageLogs, own: source)
        let signals = SignalWatcher()
        let context = try ZMQContext()
        let sockets = try openSockets(context)
        for stage in stages {
            processes += try StageProcess.replicas(
                of: stage, spec: spec, specPath: specURL.path, stageDirectory: options.stageDirectory)
        }
        log("host \(host): \(processes.map(\.name).joined(separator: ", ")); waiting for the driver on host \(spec.driver.host)")
        do {
            guard var lastDriverContact = try waitForDriver(sockets, signals: signals) else {
                log("signal \(signals.receivedSignal ?? 0) while waiting for the driver")
                return .interrupted(signal: signals.receivedSignal ?? SIGINT)
            }
            for process in processes { try process.start(logs: logs) }
            log("started \(processes.count) stage processes")
            while true {
                if let signal = signals.receivedSignal {
                    log("signal \(signal): stopping this host's stages")
                    tellDriver("the supervisor of host \(host) was interrupted by signal \(signal); its stages are stopped", sockets: sockets)
                    stopStages(afterStop: false)
                    return .interrupted(signal: signal)
                }
                var poller = ZMQPoller()
                poller.add(sockets.control.socket)
                _ = try poller.poll(timeout: .milliseconds(50))
                if let reason = try drainControl(sockets, lastContact: &lastDriverContact) {
                    log("the driver stopped the run: \(reason)")
                    stopStages(afterStop: true)
                    return .stopped(reason: reason)
                }
                let silence = ContinuousClock.now - lastDriverContact
                if silence > StageRuntime.driverSilenceLimit {
                    throw RuntimeError(
                        "no control message from the driver for \(silence) on \(sockets.control.socket.endpointDescription); "
                            + "is `spo run SPEC --host \(spec.driver.host)` still running?")
                }
                try supervise(sockets)
            }
        } catch {
            log("failed: \(error)")
            stopStages(afterStop: false)
            throw error
        }
    }

    private func log(_ line: String) { logs.write(source, line) }

    private func openSockets(_ context: ZMQContext) throws -> Sockets {
        let control = try ZMQSocket(context: context, type: .sub)
        try control.setMaxMessageSize(MessagePackLimits.default.socketMaxMessageSize)
        try control.subscribe(MessageType.control.name)
        for endpoint in spec.edge(.control).endpoints { try control.connect(endpoint.connect) }
        let metrics = try ZMQSocket(context: context, type: .push)
        try metrics.setSendTimeout(EdgeSockets.sendTimeout)
        for endpoint in spec.edge(.metrics).endpoints { try metrics.connect(endpoint.connect) }
        let logs = self.logs!, source = self.source
        return Sockets(
            control: MessageReceiver(socket: control, accepting: [.control]) { logs.write(source, $0) }, metrics: metrics)
    }

    /// Waits for the driver's first control message; returns when it came (nil: a signal
    /// came first).
    private func waitForDriver(_ sockets: Sockets, signals: SignalWatcher) throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + options.driverWait
        while ContinuousClock.now < deadline {
            if signals.receivedSignal != nil { return nil }
            guard let received = try sockets.control.receive(timeout: .milliseconds(100)),
                  received.message.envelope.stage == "driver" else { continue }
            log("heard the driver")
            return .now
        }
        throw RuntimeError(
            "no control message from the driver within \(options.driverWait) on \(sockets.control.socket.endpointDescription); "
                + "start `spo run SPEC --host \(spec.driver.host)` on host \(spec.driver.host)")
    }

    /// Reads the control broadcast; returns the reason of a `stop` from the driver.
    private func drainControl(_ sockets: Sockets, lastContact: inout ContinuousClock.Instant) throws -> String? {
        while let received = try sockets.control.receive(timeout: .zero) {
            guard received.message.envelope.stage == "driver", case .control(let control) = received.message.body else {
                continue
            }
            lastContact = .now
            if case .stop(let reason) = control { return reason ?? "stop from the driver" }
        }
        return nil
    }

    /// Restarts replicas that exited; past `max_restarts`, tells the driver and throws. A
    /// replica that exited with status 0 heard `stop` (the supervisor hears it next) and
    /// is left alone.
    private func supervise(_ sockets: Sockets) throws {
        for process in processes where !process.isRunning && !process.exitedCleanly {
            let limit = spec.settings(for: process.stage).maxRestarts
            guard process.restarts < limit else {
                let reason = "\(process.name) on host \(host) exited (\(process.exitDescription)) after \(process.restarts) restart(s), "
                    + "its max_restarts; see \(directory.path)/logs/\(process.name).log on that host"
                tellDriver(reason, sockets: sockets)
                throw RuntimeError(reason)
            }
            process.restarts += 1
            log("\(process.name) exited (\(process.exitDescription)); restarting it (\(process.restarts) of \(limit))")
            try process.start(logs: logs)
        }
    }

    /// Sends the driver a `control` `stop` with `reason` on its metrics queue (a few
    /// times: a PUSH to a peer that is reconnecting can lose a message).
    private func tellDriver(_ reason: String, sockets: Sockets) {
        for _ in 0..<3 {
            do {
                let envelope = try Envelope(
                    runID: spec.name, messageID: ids.next(), stage: source, replica: 0, iteration: 0, policyVersion: 0)
                _ = try sockets.metrics.send(Message(envelope: envelope, body: .control(.stop(reason: reason))))
            } catch {
                log("could not tell the driver: \(error)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Gives the stages `stopGrace` to exit on their own after a `stop` broadcast, then
    /// terminates what is left.
    private func stopStages(afterStop: Bool) {
        if afterStop {
            let deadline = ContinuousClock.now + options.stopGrace
            while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        StageProcess.terminate(processes, grace: options.stopGrace) { log($0) }
        let unclean = processes.filter { $0.process != nil && !$0.exitedCleanly }
        log("this host's stages stopped" + (unclean.isEmpty ? "" : "; not cleanly: " + unclean.map { "\($0.name) (\($0.exitDescription))" }.joined(separator: ", ")))
    }
}
