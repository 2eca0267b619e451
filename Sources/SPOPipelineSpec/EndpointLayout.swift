/// Assigns every edge its endpoints (docs/pipeline-spec.md, "Placement and endpoints"):
///
/// - an edge whose participants all run on one host gets
///   `ipc://<run_directory>/sockets/<edge>` (`<edge>.<replica>` when its binder has
///   several replicas);
/// - an edge between hosts gets `tcp://*:<port>` to bind and
///   `tcp://<address of the binder's host>:<port>` to connect, the n-th such endpoint in
///   edge order (prompts, rollouts, segmented, valued, samples, weights, control,
///   metrics; replicas in order) taking port `base_port + n`;
/// - an endpoint the spec sets in the binder's `endpoints` replaces either (a tcp one is
///   bound on every interface at its port).
///
/// Reports ipc across hosts, ipc paths too long for a Unix socket, ports past 65535, a
/// loopback address that another host would have to reach, two endpoints bound at one
/// place, and one edge mixing transports.
struct EndpointLayout {
    let runDirectory: String
    let basePort: Int
    let stages: [PipelineStage: StageSettings]
    let driver: DriverSettings
    let hosts: [String: HostSettings]
    let overrides: [PipelineEdge: [EndpointOverride]]
    /// Where each participant's host is set, and whether the spec wrote it.
    let hostPaths: [EdgeParticipant: (path: JSONPath, written: Bool)]
    let reading: SpecReading

    private func host(of participant: EdgeParticipant) -> String {
        switch participant {
        case .driver: return driver.host
        case .stage(let stage): return stages[stage]?.host ?? SpecResolver.localHost
        }
    }

    private func replicas(of participant: EdgeParticipant) -> Int {
        switch participant {
        case .driver: return 1
        case .stage(let stage): return stages[stage]?.replicas ?? 1
        }
    }

    private func address(of host: String) -> String {
        hosts[host]?.address ?? SpecResolver.localAddress
    }

    func assign() -> [PipelineEdge: ResolvedEdge] {
        var edges: [PipelineEdge: ResolvedEdge] = [:]
        var nextPort = basePort
        var bound: [String: String] = [:]
        var reportedRunDirectory = false, reportedPorts = false
        var reportedLoopback = Set<String>()
        for edge in PipelineEdge.allCases {
            let participants = edge.producers + edge.consumers
            let edgeHosts = Array(Set(participants.map(host(of:)))).sorted()
            let local = edgeHosts.count == 1
            let binderHost = host(of: edge.binder)
            let count = replicas(of: edge.binder)
            var endpoints: [EdgeEndpoint] = []
            var transports = Set<EdgeTransport>()
            for replica in 0..<count {
                let endpoint: EdgeEndpoint
                let place: String
                let blame: JSONPath
                if let override = overrides[edge]?[replica] {
                    blame = override.path
                    switch override.address {
                    case .ipc(let path):
                        if !local {
                            reading.report(
                                override.path,
                                expected: "a tcp:// endpoint (edge \(edge.rawValue) joins hosts "
                                    + edgeHosts.joined(separator: ", ") + "; ipc reaches one host only)",
                                found: "\(quoted(override.text)) (a string)")
                        }
                        endpoint = EdgeEndpoint(replica: replica, host: binderHost, bind: override.text, connect: override.text)
                        place = "ipc \(binderHost) \(path)"
                        transports.insert(.ipc)
                    case .tcp(_, let port):
                        endpoint = EdgeEndpoint(
                            replica: replica, host: binderHost, bind: "tcp://*:\(port)", connect: override.text)
                        place = "tcp \(binderHost) \(port)"
                        transports.insert(.tcp)
                    }
                } else if local {
                    blame = .root.appending("run_directory")
                    let path = "\(runDirectory)/sockets/\(edge.rawValue)" + (count > 1 ? ".\(replica)" : "")
                    if path.utf8.count > EndpointAddress.maximumIPCPathBytes && !reportedRunDirectory {
                        reportedRunDirectory = true
                        reading.report(
                            blame,
                            expected: "a directory short enough for its ipc socket paths "
                                + "(at most \(EndpointAddress.maximumIPCPathBytes) bytes; \(path) has \(path.utf8.count))",
                            found: "\(quoted(runDirectory)) (a string)",
                            hint: "use a shorter run_directory or set tcp endpoints in the binders' \"endpoints\"")
                    }
                    endpoint = EdgeEndpoint(replica: replica, host: binderHost, bind: "ipc://\(path)", connect: "ipc://\(path)")
                    place = "ipc \(binderHost) \(path)"
                    transports.insert(.ipc)
                } else {
                    blame = .root.appending("base_port")
                    let port = nextPort
                    nextPort += 1
                    if port > 65535 && !reportedPorts {
                        reportedPorts = true
                        reading.report(
                            blame, expected: "a base port that leaves room for every tcp endpoint below 65536",
                            found: "\(basePort)")
                    }
                    let address = address(of: binderHost)
                    if isLoopback(address) && reportedLoopback.insert(binderHost).inserted {
                        reportLoopback(host: binderHost, address: address, edge: edge, edgeHosts: edgeHosts)
                    }
                    endpoint = EdgeEndpoint(
                        replica: replica, host: binderHost, bind: "tcp://*:\(port)", connect: "tcp://\(address):\(port)")
                    place = "tcp \(binderHost) \(port)"
                    transports.insert(.tcp)
                }
                if let other = bound[place] {
                    reading.report(
                        blame, expected: "an endpoint no other edge binds", found: "\(quoted(endpoint.connect)), also bound by \(other)")
                } else {
                    bound[place] = "edge \(edge.rawValue)" + (count > 1 ? " replica \(replica)" : "")
                }
                endpoints.append(endpoint)
            }
            if transports.count > 1, let first = overrides[edge]?.first {
                reading.report(
                    first.path,
                    expected: "endpoints of one transport for every replica of edge \(edge.rawValue)",
                    found: "both ipc and tcp")
            }
            edges[edge] = ResolvedEdge(
                pattern: edge.pattern, producers: edge.producers, consumers: edge.consumers, binder: edge.binder,
                transport: transports.contains(.tcp) ? .tcp : .ipc, endpoints: endpoints)
        }
        return edges
    }

    /// A loopback address for a host another host must connect to.
    private func reportLoopback(host: String, address: String, edge: PipelineEdge, edgeHosts: [String]) {
        let expected = "an address other hosts can reach (edge \(edge.rawValue) joins hosts "
            + edgeHosts.joined(separator: ", ") + ")"
        if hosts[host] != nil {
            reading.report(
                JSONPath.root.appending("hosts").appending(host).appending("address"),
                expected: expected, found: "\(quoted(address)) (a loopback address)")
        } else {
            let binderPath = hostPaths[edge.binder]
            reading.report(
                binderPath?.path ?? .root.appending("stages"), expected: expected,
                found: "\(quoted(host))" + (binderPath?.written == true ? " (a string)" : " (the default)")
                    + ", whose address is \(address)",
                hint: "define hosts.\(host).address, or place \(edge.binder) on a named host")
        }
    }
}
