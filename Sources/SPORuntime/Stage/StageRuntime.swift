import Foundation
import SPOPipelineSpec
import SPOWire

/// The loop every stage process runs (the zguide worker: PULL in, PUSH out, SUB for
/// control and weights, one poll loop), with the runtime's delivery rules:
///
/// - work arrives on the stage's input queue; each message id is processed once
///   (`CustodyLedger`) and acknowledged when its custody ends (processed, and every
///   output acknowledged downstream);
/// - outputs go out on the output queue through an `Outbox` that re-sends them until
///   acknowledged;
/// - acknowledgements travel to the driver on the metrics queue, and the driver
///   re-publishes them on the control broadcast, which every stage reads: so acks use
///   only the spec's edges, on one host or several;
/// - weights (generate, value): a `checkpoint_file` announcement is handed to the worker;
///   streamed announcements and chunks are reassembled (`WeightsAssembly`, at most
///   `weightsMessagesPerTurn` per loop turn) and a verified version handed over, and a
///   version whose chunks were lost is asked for again (`control` `resend_weights` to the
///   driver, which relays it to the optimizer: `takeWeightsResendRequest`);
/// - a heartbeat goes to the driver every second; the driver's control messages
///   (heartbeats, `iteration`, `stop`) tell the stage the current iteration and when to
///   stop; `start`, which the driver sends when a restarted replica is ready, makes every
///   stage re-send its unacknowledged outputs at once instead of at their deadlines;
/// - every wait has a timeout: the stage exits with an error when the driver has been
///   silent for `driverSilenceLimit`, or when its parent process is gone;
/// - every message sent or received on an edge is offered to the stage's tap
///   (`TapPublisher`), which publishes it only while `spo tap` listens;
/// - bad input on any socket is counted, logged and dropped (`MessageReceiver`); the
///   counts of the input queue are logged when the stage stops.
public final class StageRuntime {
    /// The run's resolved spec.
    public let spec: ResolvedPipelineSpec
    /// This process's stage.
    public let stage: PipelineStage
    /// This process's replica index.
    public let replica: Int
    /// The run directory (the spec's, relative to the working directory).
    public let runDirectory: URL
    /// The run id in every envelope: the spec's name.
    public var runID: String { spec.name }
    /// The iteration the driver last announced.
    public private(set) var driverIteration = 0

    /// Heartbeats to the driver are this far apart.
    public static let heartbeatInterval: Duration = .seconds(1)
    /// The stage exits when the driver has sent nothing for this long.
    public static let driverSilenceLimit: Duration = .seconds(60)
    /// Outputs are re-sent when unacknowledged for this long …
    public static let ackTimeout: Duration = .seconds(10)
    /// … at most this many sends in all.
    public static let maxAttempts = 60
    /// Weights messages taken per loop turn at most (1 MiB chunks): the loop stays
    /// responsive to control messages while a large version streams in.
    static let weightsMessagesPerTurn = 64

    private let context: ZMQContext
    private var ids: MessageIDGenerator
    private let input: MessageReceiver?
    private let outbox: Outbox?
    private let control: MessageReceiver
    private let weights: MessageReceiver?
    private var weightsAssembly: WeightsAssembly?
    private let weightsPublisher: ZMQSocket?
    private var weightsResendRequested = false
    private let metrics: ZMQSocket
    private let tap: TapPublisher
    private var ledger = CustodyLedger()
    private var stopReason: String?
    private let parentProcess = getppid()
    private let started = ContinuousClock.now
    private var lastDriverContact: ContinuousClock.Instant?
    private var nextHeartbeat = ContinuousClock.now

    /// The input edge, output edge and weights role of each stage.
    static func wiring(_ stage: PipelineStage) -> (input: PipelineEdge, accepts: MessageType, output: PipelineEdge?) {
        switch stage {
        case .generate: return (.prompts, .promptBatch, .rollouts)
        case .partition: return (.rollouts, .rollout, .segmented)
        case .value: return (.segmented, .segmentedRollout, .valued)
        case .advantage: return (.valued, .valuedRollout, .samples)
        case .optimize: return (.samples, .trainingSample, nil)
        }
    }

    /// Opens the stage's sockets as the spec places them. `weightsFile`: the file of each
    /// weights version the stage reads from the weights broadcast (`model.safetensors` for
    /// generate and for value kind monte_carlo, `WeightsStore.criticFile` for value kind
    /// critic; nil: none). The optimize stage publishes weights. Under transport `stream`
    /// both sides of the weights edge get `StreamedWeightsFile.highWaterMark`.
    public init(spec: ResolvedPipelineSpec, stage: PipelineStage, replica: Int, weightsFile: String?) throws {
        self.spec = spec
        self.stage = stage
        self.replica = replica
        runDirectory = URL(fileURLWithPath: spec.runDirectory)
        context = try ZMQContext()
        ids = MessageIDGenerator(stage: stage.rawValue, replica: replica)
        let me = EdgeParticipant.stage(stage)
        let wiring = Self.wiring(stage)
        let log: (String) -> Void = { Self.log($0) }
        let inputSocket = try EdgeSockets.open(wiring.input, type: .pull, as: me, replica: replica, spec: spec, context: context)
        input = MessageReceiver(socket: inputSocket, accepting: [wiring.accepts], log: log)
        if let output = wiring.output {
            let socket = try EdgeSockets.open(output, type: .push, as: me, replica: replica, spec: spec, context: context)
            outbox = Outbox(socket: socket, ackTimeout: Self.ackTimeout, maxAttempts: Self.maxAttempts)
        } else {
            outbox = nil
        }
        let controlSocket = try EdgeSockets.open(
            .control, type: .sub, as: me, replica: replica, spec: spec, context: context,
            subscriptions: [MessageType.control.name])
        control = MessageReceiver(socket: controlSocket, accepting: [.control], log: log)
        let streamed = spec.weightsTransport == .stream
        let highWaterMark = streamed && (weightsFile != nil || stage == .optimize)
            ? try StreamedWeightsFile.highWaterMark(spec) : nil
        if let weightsFile {
            let socket = try EdgeSockets.open(
                .weights, type: .sub, as: me, replica: replica, spec: spec, context: context,
                subscriptions: [streamed ? "weights" : MessageType.weightsAnnouncement.name], highWaterMark: highWaterMark)
            weights = MessageReceiver(
                socket: socket, accepting: streamed ? [.weightsAnnouncement, .weightsChunk] : [.weightsAnnouncement], log: log)
            weightsAssembly = streamed ? WeightsAssembly(file: weightsFile) : nil
        } else {
            weights = nil
        }
        weightsPublisher = stage == .optimize
            ? try EdgeSockets.open(
                .weights, type: .pub, as: me, replica: replica, spec: spec, context: context, highWaterMark: highWaterMark)
            : nil
        metrics = try EdgeSockets.open(.metrics, type: .push, as: me, replica: replica, spec: spec, context: context)
        tap = try TapPublisher(spec: spec, participant: me, replica: replica, context: context)
        if let input { tap.tapReceived(input, on: wiring.input) }
        if let outbox, let output = wiring.output { tap.tapSent(outbox.sender, on: output) }
        tap.tapReceived(control, on: .control)
        if let weights { tap.tapReceived(weights, on: .weights) }
    }

    /// Writes one line to standard error (the driver prefixes it with the stage's name).
    public static func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Logs one line.
    public func log(_ line: String) { Self.log(line) }

    /// Runs the loop until the driver says stop; throws when a wait times out, the
    /// driver or parent is gone, or a message cannot be delivered.
    public func run(_ worker: StageWorker) throws {
        var poller = ZMQPoller()
        if let input { poller.add(input.socket) }
        poller.add(control.socket)
        if let weights { poller.add(weights.socket) }
        log("\(stage.rawValue).\(replica) ready (pid \(getpid()))")
        while stopReason == nil {
            _ = try poller.poll(timeout: .milliseconds(50))
            try drainControl()
            if let weights {
                var taken = 0
                while taken < Self.weightsMessagesPerTurn, let received = try weights.receive(timeout: .zero) {
                    taken += 1
                    try deliverWeights(received.message.body, to: worker)
                }
            }
            if stopReason == nil, let input, let received = try input.receive(timeout: .zero) {
                let message = received.message
                switch ledger.arrive(message.envelope.messageID) {
                case .new: try worker.process(message, runtime: self)
                case .inProgress: break
                case .completed: sendAcknowledgement([message.envelope.messageID])
                }
            }
            try worker.idle(runtime: self)
            try housekeeping()
        }
        sendAcknowledgement(ledger.takeAcknowledgeable())
        if let input { log(Self.receiveSummary(input, edge: Self.wiring(stage).input)) }
        log("\(stage.rawValue).\(replica) stopping: \(stopReason ?? "")")
    }

    /// Emits a work message on the output queue, made from the open input `parent`.
    /// `messageID` should name the work (e.g. `rollout/<group>/<sample>`), so that work
    /// redone after a restart carries the same id and is recognised downstream.
    public func emit(
        _ body: MessageBody, messageID: String, parent: Envelope, iteration: Int? = nil, policyVersion: Int? = nil
    ) throws {
        guard let outbox else { throw RuntimeError("stage \(stage.rawValue) has no output queue") }
        let envelope = try Envelope(
            runID: runID, messageID: messageID, parentIDs: [parent.messageID], stage: stage.rawValue,
            replica: replica, iteration: iteration ?? parent.iteration,
            policyVersion: policyVersion ?? parent.policyVersion)
        ledger.addOutput(messageID, to: parent.messageID)
        try outbox.send(Message(envelope: envelope, body: body))
    }

    /// Says the input `messageID` has all its outputs; it is acknowledged once they are.
    public func finish(_ messageID: String) {
        ledger.close(messageID)
    }

    /// Sends named measurements to the driver.
    public func sendMetrics(_ values: [String: Double], iteration: Int, policyVersion: Int) {
        sendToDriver(.metrics(Metrics(values: values)), parents: [], iteration: iteration, policyVersion: policyVersion)
    }

    /// Publishes a `weights_announcement` or `weights_chunk` of policy `version` on the
    /// weights broadcast (the optimize stage, `WeightsBroadcast`).
    public func publishWeights(_ body: MessageBody, version: Int, iteration: Int) throws {
        guard let weightsPublisher else { throw RuntimeError("stage \(stage.rawValue) does not publish weights") }
        let envelope = try Envelope(
            runID: runID, messageID: ids.next(), stage: stage.rawValue, replica: replica,
            iteration: iteration, policyVersion: version)
        let frames = try weightsPublisher.send(Message(envelope: envelope, body: body))
        tap.publish(.weights, side: .sent, frames: frames)
    }

    /// Whether a reader asked for the streamed weights again since the last call (the
    /// optimize stage): a `control` `resend_weights` arrived.
    public func takeWeightsResendRequest() -> Bool {
        defer { weightsResendRequested = false }
        return weightsResendRequested
    }

    /// Hands a checkpoint-file announcement to the worker; feeds streamed announcements
    /// and chunks to the assembly, handing over a completed version and asking the driver
    /// for a re-broadcast when one is incomplete or corrupt.
    private func deliverWeights(_ body: MessageBody, to worker: StageWorker) throws {
        let event: WeightsAssembly.Event?
        switch body {
        case .weightsAnnouncement(let announcement):
            if case .file = announcement.source {
                return try worker.receiveWeights(.file(announcement), runtime: self)
            }
            event = weightsAssembly?.receive(announcement)
        case .weightsChunk(let chunk):
            event = weightsAssembly?.receive(chunk)
        default:
            return
        }
        switch event {
        case .complete(let version, let bytes)?:
            try worker.receiveWeights(.streamed(version: version, file: weightsAssembly!.file, bytes: bytes), runtime: self)
        case .requestResend(let version, let reason)?:
            log("asking for weights version \(version) again: \(reason)")
            sendToDriver(.control(.resendWeights), parents: [], iteration: driverIteration, policyVersion: version)
        case nil:
            break
        }
    }

    private func drainControl() throws {
        while let received = try control.receive(timeout: .zero) {
            let envelope = received.message.envelope
            guard case .control(let body) = received.message.body else { continue }
            if envelope.stage == "driver" {
                lastDriverContact = .now
                driverIteration = max(driverIteration, envelope.iteration)
            }
            switch body {
            case .ack(let messageIDs):
                outbox?.acknowledge(body)
                ledger.acknowledgeOutputs(messageIDs)
            case .stop(let reason):
                stopReason = reason ?? "stop from the driver"
            case .start:
                let abandoned = try outbox?.resendAll() ?? []
                if !abandoned.isEmpty { throw undeliverable(abandoned) }
            case .resendWeights:
                if weightsPublisher != nil { weightsResendRequested = true }
            case .iteration, .heartbeat:
                break
            }
        }
    }

    private func housekeeping() throws {
        tap.refresh()
        sendAcknowledgement(ledger.takeAcknowledgeable())
        if let outbox {
            let abandoned = try outbox.flush()
            if !abandoned.isEmpty { throw undeliverable(abandoned) }
        }
        let now = ContinuousClock.now
        if now >= nextHeartbeat {
            nextHeartbeat = now + Self.heartbeatInterval
            sendToDriver(.control(.heartbeat), parents: [], iteration: driverIteration, policyVersion: 0)
        }
        if getppid() != parentProcess {
            throw RuntimeError("the parent process (pid \(parentProcess)) is gone; stopping so no stage is left orphaned")
        }
        let silence = now - (lastDriverContact ?? started)
        if silence > Self.driverSilenceLimit {
            throw RuntimeError(
                "no control message from the driver for \(silence) on \(control.socket.endpointDescription); "
                    + "is `spo run` still running?")
        }
    }

    /// "input rollouts: 64 accepted, 3 dropped (malformed 2, truncated 1)".
    static func receiveSummary(_ receiver: MessageReceiver, edge: PipelineEdge) -> String {
        let drops = receiver.dropCounts.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }
        return "input \(edge.rawValue): \(receiver.acceptedCount) accepted, \(receiver.droppedCount) dropped"
            + (drops.isEmpty ? "" : " (" + drops.joined(separator: ", ") + ")")
    }

    private func undeliverable(_ abandoned: [String]) -> RuntimeError {
        RuntimeError(
            "\(abandoned.count) message(s) unacknowledged after \(Self.maxAttempts) sends on "
                + "\(outbox?.sender.socket.endpointDescription ?? "the output queue"), e.g. \(abandoned[0]); "
                + "the next stage is not consuming")
    }

    private func sendAcknowledgement(_ messageIDs: [String]) {
        guard !messageIDs.isEmpty else { return }
        sendToDriver(.control(.ack(messageIDs: messageIDs)), parents: messageIDs, iteration: driverIteration, policyVersion: 0)
    }

    /// Best effort: a lost heartbeat, ack or metric is replaced by the next one (acks:
    /// the producer re-sends and the input is acknowledged again).
    private func sendToDriver(_ body: MessageBody, parents: [String], iteration: Int, policyVersion: Int) {
        do {
            let envelope = try Envelope(
                runID: runID, messageID: ids.next(), parentIDs: parents, stage: stage.rawValue, replica: replica,
                iteration: iteration, policyVersion: policyVersion)
            let frames = try metrics.send(Message(envelope: envelope, body: body))
            tap.publish(.metrics, side: .sent, frames: frames)
        } catch {
            log("could not send \(body.type.name) to the driver: \(error)")
        }
    }
}
