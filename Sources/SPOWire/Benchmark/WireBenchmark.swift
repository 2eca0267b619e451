import Foundation

/// The transport a wire benchmark runs over.
public enum WireTransport: String, Sendable, CaseIterable {
    /// A Unix domain socket in a fresh temporary directory.
    case ipc
    /// Loopback TCP on a free port.
    case tcp
}

/// What a wire benchmark pushes through the socket.
public enum WireBenchmarkMode: String, Sendable, CaseIterable {
    /// Raw libzmq: the same `messageSize`-byte buffer sent each time, received without a copy.
    case raw
    /// The typed codec: a rollout whose arrays hold `messageSize` bytes (prompt tokens,
    /// response tokens and log-probs), encoded for every send and decoded and validated by
    /// a `MessageReceiver` on the other side.
    case codec
}

/// One benchmark measurement. Rates count `messageSize` bytes per message (the payload
/// the caller asked for), so raw and codec MB/s compare directly.
public struct WireBenchmarkResult: Sendable {
    /// Messages per second through the hop.
    public let messagesPerSecond: Double
    /// 10⁶ payload bytes per second (messageSize × messagesPerSecond / 10⁶).
    public let megabytesPerSecond: Double
    /// Bytes actually on the wire per message (codec: payload plus envelope and keys).
    public let wireBytesPerMessage: Int
}

/// A wire benchmark that could not finish: which step and why.
public struct WireBenchmarkError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
}

/// Throughput of one stage hop: a PUSH socket on a sender thread, a PULL socket on the
/// calling thread, in one process and one ZeroMQ context (1 I/O thread).
///
/// The clock starts when the first message arrives and stops at the last, so connection
/// set-up is not timed: rate = (count − 1) / elapsed. High-water marks hold the queue to
/// about 64 MB. A CLI prints `run(mode: .raw)` beside `run(mode: .codec)` and their ratio.
public enum WireBenchmark {
    /// Sends `count` messages of `messageSize` bytes over `transport` and measures.
    public static func run(
        transport: WireTransport, messageSize: Int, count: Int, mode: WireBenchmarkMode = .raw
    ) throws -> WireBenchmarkResult {
        precondition(messageSize >= 8, "messageSize must be at least 8 bytes, got \(messageSize)")
        precondition(count >= 2, "count must be at least 2, got \(count)")
        let context = try ZMQContext()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spo-wire-bench-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let queueDepth = min(1000, max(4, (64 << 20) / messageSize))
        let receiver = try ZMQSocket(context: context, type: .pull)
        try receiver.setReceiveHighWaterMark(queueDepth)
        let endpoint = try receiver.bind(transport == .ipc ? "ipc://\(directory.path)/hop" : "tcp://127.0.0.1:*")

        let payload = try mode == .raw ? Payload.raw(Data(repeating: 0x5a, count: messageSize))
            : Payload.message(benchmarkMessage(messageSize: messageSize))
        let sender = SenderThread(context: context, endpoint: endpoint, queueDepth: queueDepth, payload: payload, count: count)
        sender.start()
        defer { sender.join() }

        let limits = MessagePackLimits(maxBytes: messageSize + (1 << 20), maxDepth: 8, maxObjects: 1 << 10)
        let messages = MessageReceiver(socket: receiver, accepting: [.rollout], limits: limits) { _ in }
        let timeout = Duration.seconds(30)
        var start = ContinuousClock.now
        var wireBytes = 0
        for index in 0..<count {
            let size: Int?
            switch mode {
            case .raw: size = try receiver.withReceivedFrames(timeout: timeout, maxFrames: 1) { $0.frames[0].count }
            case .codec: size = try messages.receive(timeout: timeout)?.payloadByteCount
            }
            guard let size else {
                let reason = sender.failure.map { "; sender: \($0)" } ?? (messages.droppedCount > 0 ? "; \(messages.dropCounts) dropped" : "")
                throw WireBenchmarkError(description: "wire benchmark (\(mode.rawValue), \(transport.rawValue), \(messageSize) B): received \(index) of \(count) messages before a \(timeout) timeout\(reason)")
            }
            if index == 0 {
                start = .now
                wireBytes = size
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = Double(count - 1) / seconds
        return WireBenchmarkResult(
            messagesPerSecond: rate, megabytesPerSecond: rate * Double(messageSize) / 1e6,
            wireBytesPerMessage: wireBytes)
    }

    /// A rollout whose three arrays hold `messageSize` bytes in total: ⌊size/8⌋ response
    /// tokens and as many log-probs (8 bytes per token), the remainder as prompt tokens.
    static func benchmarkMessage(messageSize: Int) throws -> Message {
        let responseLength = messageSize / 8
        let promptLength = (messageSize - 8 * responseLength) / 4
        let rollout = try Rollout(
            promptID: "bench", groupID: "bench.0", sampleIndex: 0,
            promptTokens: (0..<promptLength).map { Int32($0) },
            responseTokens: (0..<responseLength).map { Int32(truncatingIfNeeded: $0) },
            logProbs: (0..<responseLength).map { -Float($0 % 7) / 7 },
            reward: 1, stopReason: .length, temperature: 1)
        let envelope = try Envelope(
            runID: "bench", messageID: "bench.0.0.1", stage: "generate", replica: 0,
            iteration: 0, policyVersion: 0)
        return Message(envelope: envelope, body: .rollout(rollout))
    }
}

/// What the sender thread sends each time.
private enum Payload: Sendable {
    case raw(Data)
    case message(Message)
}

/// The sending side: its own PUSH socket on its own thread, failure kept for the report.
private final class SenderThread: @unchecked Sendable {
    private let context: ZMQContext
    private let endpoint: String
    private let queueDepth: Int
    private let payload: Payload
    private let count: Int
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var error: (any Error)?

    /// A sender of `count` copies of `payload` to `endpoint`, not yet started.
    init(context: ZMQContext, endpoint: String, queueDepth: Int, payload: Payload, count: Int) {
        self.context = context
        self.endpoint = endpoint
        self.queueDepth = queueDepth
        self.payload = payload
        self.count = count
    }

    /// The error that stopped the sender, if any.
    var failure: (any Error)? { lock.withLock { error } }

    /// Starts sending on a new thread.
    func start() {
        let thread = Thread { [self] in
            do {
                try sendAll()
            } catch {
                lock.withLock { self.error = error }
            }
            done.signal()
        }
        thread.start()
    }

    /// Waits until the sender has finished or failed.
    func join() { done.wait() }

    /// Connects a PUSH socket and sends every message; the socket lingers up to 10 s.
    private func sendAll() throws {
        let socket = try ZMQSocket(context: context, type: .push)
        try socket.setSendHighWaterMark(queueDepth)
        try socket.setLinger(.seconds(10))
        try socket.setSendTimeout(.seconds(30))
        try socket.connect(endpoint)
        for _ in 0..<count {
            switch payload {
            case .raw(let data): try socket.send(data)
            case .message(let message): try socket.send(message)
            }
        }
    }
}
