import CZMQ
import Foundation

extension ZMQSocket {
    /// Queues one frame (copying `bytes`); `more` says another frame of the same message
    /// follows. Throws a `ZMQError` with `isTimeout` if `ZMQ_SNDTIMEO` passes first.
    /// Retries when a signal interrupts the call (EINTR).
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false) throws(ZMQError) {
        let code = sendFrame(bytes, more: more)
        if code != 0 { throw ZMQError(operation: "zmq_send", endpoint: endpointDescription, code: code) }
    }

    /// Queues one frame holding `data`.
    public func send(_ data: Data, more: Bool = false) throws(ZMQError) {
        let code = data.withUnsafeBytes { sendFrame($0, more: more) }
        if code != 0 { throw ZMQError(operation: "zmq_send", endpoint: endpointDescription, code: code) }
    }

    /// Queues a message of several frames, in order (atomically: all or none arrive).
    public func send(frames: [Data]) throws(ZMQError) {
        for (index, frame) in frames.enumerated() {
            try send(frame, more: index + 1 < frames.count)
        }
    }

    /// Queues `buffer` as one frame without copying it: libzmq holds a reference and
    /// releases it (on its I/O thread) once the bytes are written.
    func sendWithoutCopy(_ buffer: EncodedBuffer, more: Bool = false) throws(ZMQError) {
        let message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        defer { message.deallocate() }
        let hint = Unmanaged.passRetained(buffer).toOpaque()
        let release: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void = { _, hint in
            Unmanaged<EncodedBuffer>.fromOpaque(hint!).release()
        }
        guard zmq_msg_init_data(message, buffer.pointer, buffer.count, release, hint) == 0 else {
            Unmanaged<EncodedBuffer>.fromOpaque(hint).release()
            throw ZMQError.last("zmq_msg_init_data", endpointDescription)
        }
        while zmq_msg_send(message, handle, more ? ZMQ_SNDMORE : 0) < 0 {
            let code = zmq_errno()
            if code == EINTR { continue }
            zmq_msg_close(message)
            throw ZMQError(operation: "zmq_msg_send", endpoint: endpointDescription, code: code)
        }
    }

    /// `zmq_send` retried on EINTR; 0 on success, else the errno.
    private func sendFrame(_ bytes: UnsafeRawBufferPointer, more: Bool) -> Int32 {
        let flags = more ? ZMQ_SNDMORE : 0
        while zmq_send(handle, bytes.baseAddress, bytes.count, flags) < 0 {
            let code = zmq_errno()
            if code != EINTR { return code }
        }
        return 0
    }
}
