import Foundation

/// A message that passed decoding and validation, with the frames that came before it.
public struct ReceivedMessage: Sendable {
    /// The decoded message.
    public let message: Message
    /// Frames before the payload: a PUB topic, or ROUTER identities (empty otherwise).
    public let routingFrames: [Data]
    /// Size of the payload frame in bytes.
    public let payloadByteCount: Int
}

/// Receives messages from one socket and never dies on bad input.
///
/// Each ZeroMQ message's last frame is the payload; up to `maxFrames - 1` frames before it
/// are routing (topic or identities). A payload that is malformed, truncated, oversized,
/// of another protocol or major version, of an unknown or unaccepted type, or with an
/// invalid field is counted under its `WireDecodingError.Reason`, reported as one line
/// through `log`, and dropped; `receive` then waits for the next one within the same
/// timeout. Use on the thread that owns the socket, and give the socket
/// `limits.socketMaxMessageSize` (`setMaxMessageSize`) before it binds or connects.
public final class MessageReceiver {
    /// The socket read from.
    public let socket: ZMQSocket
    /// The types taken; others are dropped as `.unexpectedType`. nil takes all.
    public let accepting: Set<MessageType>?
    /// Size, depth and object limits for each payload.
    public let limits: MessagePackLimits
    /// Most frames per message (payload included); more is `.malformed`.
    public let maxFrames: Int
    /// Messages dropped, by reason.
    public private(set) var dropCounts: [WireDecodingError.Reason: Int] = [:]
    /// Messages decoded and returned.
    public private(set) var acceptedCount = 0
    /// Called with the payload frame of every message received, before it is decoded
    /// (rejected input included); the bytes are valid only during the call. A tap
    /// (`TapPublisher`) copies them when somebody listens.
    public var payloadObserver: ((UnsafeRawBufferPointer) -> Void)?
    private let log: (String) -> Void

    /// A receiver on `socket`; `log` gets one line per dropped message.
    public init(
        socket: ZMQSocket, accepting: Set<MessageType>? = nil, limits: MessagePackLimits = .default,
        maxFrames: Int = 4, log: @escaping (String) -> Void
    ) {
        precondition(maxFrames >= 1, "maxFrames must be at least 1, got \(maxFrames)")
        self.socket = socket
        self.accepting = accepting
        self.limits = limits
        self.maxFrames = maxFrames
        self.log = log
    }

    /// Messages dropped, all reasons together.
    public var droppedCount: Int { dropCounts.values.reduce(0, +) }

    /// The next valid message, or nil if `timeout` passes first. Bad input met on the way
    /// is counted, logged and dropped.
    public func receive(timeout: Duration) throws(ZMQError) -> ReceivedMessage? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let remaining = max(deadline - .now, .zero)
            let outcome = try socket.withReceivedFrames(timeout: remaining, maxFrames: maxFrames) { received in
                decode(received)
            }
            switch outcome {
            case nil: return nil
            case .success(let message)?:
                acceptedCount += 1
                return message
            case .failure(let failure)?:
                let reason = failure.error.reason
                dropCounts[reason, default: 0] += 1
                let detail = failure.error.detail.replacingOccurrences(of: "\n", with: " ")
                log("dropped \(reason.rawValue) message (\(failure.summary)) on \(socket.endpointDescription): \(detail)")
            }
        }
    }

    /// Payloads this large are decoded in place: their big arrays keep the received
    /// libzmq message alive instead of being copied out of it.
    static let sharingThreshold = 64 << 10

    /// A failed decode and a summary of the input ("60 bytes, 1 frame").
    private struct Failure: Error {
        let error: WireDecodingError
        let summary: String
    }

    /// Decodes the last frame of `received`, in place for large payloads.
    private func decode(_ received: ZMQReceivedFrames) -> Result<ReceivedMessage, Failure> {
        let frames = received.frames
        let payload = frames[frames.count - 1]
        payloadObserver?(payload)
        let frameCount = frames.count + received.discardedFrameCount
        let summary = "\(payload.count) bytes, \(frameCount) frame\(frameCount == 1 ? "" : "s")"
        guard received.discardedFrameCount == 0 else {
            return .failure(Failure(error: WireDecodingError(.malformed, "\(frameCount) frames, at most \(maxFrames) expected"), summary: summary))
        }
        do {
            let message: Message
            if payload.count >= Self.sharingThreshold, payload.count <= limits.maxBytes {
                let owner = socket.detachReceivedFrame(at: frames.count - 1)
                message = try MessageCodec.decode(owner.bytes, limits: limits, accepting: accepting, sharing: owner)
            } else {
                message = try MessageCodec.decode(payload, limits: limits, accepting: accepting)
            }
            return .success(ReceivedMessage(
                message: message, routingFrames: frames.dropLast().map { Data($0) }, payloadByteCount: payload.count))
        } catch {
            return .failure(Failure(error: error, summary: summary))
        }
    }
}
