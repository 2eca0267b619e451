import CZMQ
import Foundation

/// The frames of one received message. The buffers point into libzmq messages and are
/// valid only inside the closure they are passed to: never keep them.
public struct ZMQReceivedFrames {
    /// Each kept frame's bytes, in order.
    public let frames: [UnsafeRawBufferPointer]
    /// Frames past the `maxFrames` asked for, received and discarded.
    public let discardedFrameCount: Int
}

extension ZMQSocket {
    /// Receives one message and copies its frames out; nil if `timeout` passes first.
    /// Every frame is read (a message of several frames arrives whole or not at all).
    public func receiveFrames(timeout: Duration) throws(ZMQError) -> [Data]? {
        try withReceivedFrames(timeout: timeout, maxFrames: Int.max) { received in
            received.frames.map { Data($0) }
        }
    }

    /// Receives one message and returns its last frame (for single-frame traffic);
    /// nil if `timeout` passes first.
    public func receive(timeout: Duration) throws(ZMQError) -> Data? {
        try withReceivedFrames(timeout: timeout, maxFrames: Int.max) { received in
            received.frames.last.map { Data($0) } ?? Data()
        }
    }

    /// Receives one message without copying and passes its frames to `body`; returns
    /// `body`'s result, or nil if `timeout` passes first.
    ///
    /// The bytes live in libzmq messages kept in heap memory and stay valid only until
    /// `body` returns. Frames past the first `maxFrames` are received and discarded
    /// (counted in `discardedFrameCount`), so a peer cannot make this allocate without
    /// bound. Signals (EINTR) are retried with the time that remains.
    public func withReceivedFrames<Result>(
        timeout: Duration, maxFrames: Int = 16,
        _ body: (ZMQReceivedFrames) -> Result
    ) throws(ZMQError) -> Result? {
        precondition(maxFrames >= 1, "maxFrames must be at least 1, got \(maxFrames)")
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last = frame(at: 0)
        guard try receivePart(into: last, deadline: deadline) else { return nil }
        var count = 1
        var discarded = 0
        while zmq_msg_more(last.pointer) != 0 {
            last = frame(at: min(count, maxFrames))
            guard try receivePart(into: last, deadline: nil) else {
                throw ZMQError(operation: "zmq_msg_recv (frame \(count + discarded + 1))",
                               endpoint: endpointDescription, code: EAGAIN)
            }
            if count < maxFrames { count += 1 } else { discarded += 1 }
        }
        return body(ZMQReceivedFrames(
            frames: receiveFrames[0..<count].map(\.bytes), discardedFrameCount: discarded))
    }

    /// Moves the content of received frame `index` out of the reusable frames (call only
    /// inside a `withReceivedFrames` body), so its bytes outlive the next receive.
    func detachReceivedFrame(at index: Int) -> ZMQFrame {
        receiveFrames[index].detached()
    }

    /// The reusable heap frame at `index`, created on first use.
    private func frame(at index: Int) -> ZMQFrame {
        while receiveFrames.count <= index { receiveFrames.append(ZMQFrame()) }
        return receiveFrames[index]
    }

    /// Receives one frame into `frame`; false if `deadline` passes first. A nil deadline
    /// is for the later frames of a message, which are already queued.
    private func receivePart(into frame: ZMQFrame, deadline: ContinuousClock.Instant?) throws(ZMQError) -> Bool {
        while true {
            if let deadline {
                try setReceiveTimeoutMilliseconds((deadline - .now).roundedUpMilliseconds)
            }
            if zmq_msg_recv(frame.pointer, handle, 0) >= 0 { return true }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN {
                // libzmq's timer can fire a fraction of a millisecond early: wait out the rest.
                if let deadline, ContinuousClock.now < deadline { continue }
                return false
            }
            throw ZMQError(operation: "zmq_msg_recv", endpoint: endpointDescription, code: code)
        }
    }
}
