import Foundation

extension ZMQSocket {
    /// Encodes `message` and sends it: one frame, or on a PUB socket two frames, the
    /// topic (the type's name, for SUB prefix filtering) then the payload. Payloads of
    /// 64 KiB or more are handed to libzmq without a copy.
    /// Returns the frames sent, so they can be re-sent unchanged.
    @discardableResult
    public func send(_ message: Message) throws(ZMQError) -> [Data] {
        let payload = MessagePackEncoder.encodeBuffer(MessageCodec.messagePack(message))
        var frames: [Data] = []
        if type == .pub {
            let topic = Data(message.type.name.utf8)
            try send(topic, more: true)
            frames.append(topic)
        }
        if payload.count >= Self.zeroCopyThreshold {
            try sendWithoutCopy(payload)
        } else {
            try send(UnsafeRawBufferPointer(start: payload.pointer, count: payload.count))
        }
        frames.append(payload.data)
        return frames
    }

    /// Payloads at least this large are sent without copying; below it, copying into
    /// libzmq's own small-message storage is cheaper than the reference bookkeeping.
    static let zeroCopyThreshold = 64 << 10
}
