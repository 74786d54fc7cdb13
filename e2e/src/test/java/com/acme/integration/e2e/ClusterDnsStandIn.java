package com.acme.integration.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The cluster DNS as the front sees it, on a free local UDP port: each cluster-local Knative
 * Service name (and each tag's name) is a CNAME to the networking layer's cluster-local gateway,
 * as the ExternalName Services Knative creates are in CoreDNS, and the gateway's name is an A
 * record of the loopback address where the gateway stand-in listens. Every other name is
 * NXDOMAIN. Records what it was asked, so a test can tell which names nginx resolved.
 */
final class ClusterDnsStandIn implements AutoCloseable {

	static final String GATEWAY = "knative-local-gateway.knative-networking.svc.cluster.local";

	private static final InetAddress LOOPBACK = loopback();

	private final DatagramSocket socket;

	private final Map<Name, Name> services = new ConcurrentHashMap<>();

	private final List<String> questions = new CopyOnWriteArrayList<>();

	private final Thread thread;

	private ClusterDnsStandIn(DatagramSocket socket) {
		this.socket = socket;
		this.thread = Thread.ofPlatform().daemon().name("cluster-dns-stand-in").start(this::serve);
	}

	static ClusterDnsStandIn start() throws SocketException {
		return new ClusterDnsStandIn(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
	}

	/** Makes {@code host} (a fully qualified Service name) a CNAME of the gateway. */
	ClusterDnsStandIn service(String host) {
		this.services.put(name(host), name(GATEWAY));
		return this;
	}

	/** host:port of the server, for nginx's resolver directive. */
	String address() {
		return "127.0.0.1:" + this.socket.getLocalPort();
	}

	/** Every name asked for, without the trailing dot, in order. */
	List<String> questions() {
		return List.copyOf(this.questions);
	}

	private static InetAddress loopback() {
		try {
			return InetAddress.getByAddress(new byte[] { 127, 0, 0, 1 });
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Name name(String host) {
		try {
			return Name.fromString(host.endsWith(".") ? host : host + ".");
		}
		catch (IOException ex) {
			throw new IllegalArgumentException(host, ex);
		}
	}

	private void serve() {
		byte[] buffer = new byte[512];
		while (!this.socket.isClosed()) {
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			try {
				this.socket.receive(packet);
				byte[] answer = answer(new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength())));
				this.socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
			}
			catch (IOException ex) {
				// closed, or a datagram that is not a DNS query: nothing to answer
			}
		}
	}

	private byte[] answer(Message query) {
		Record question = query.getQuestion();
		Message response = new Message(query.getHeader().getID());
		response.getHeader().setFlag(Flags.QR);
		response.getHeader().setFlag(Flags.AA);
		if (query.getHeader().getFlag(Flags.RD)) {
			response.getHeader().setFlag(Flags.RD);
			response.getHeader().setFlag(Flags.RA);
		}
		if (question == null) {
			response.getHeader().setRcode(Rcode.FORMERR);
			return response.toWire();
		}
		response.addRecord(question, Section.QUESTION);
		Name asked = question.getName();
		this.questions.add(asked.toString(true));
		Name gateway = name(GATEWAY);
		Name target = this.services.get(asked);
		if (target == null && !asked.equals(gateway)) {
			response.getHeader().setRcode(Rcode.NXDOMAIN);
			return response.toWire();
		}
		if (target != null) {
			response.addRecord(new CNAMERecord(asked, DClass.IN, 30, target), Section.ANSWER);
		}
		if (question.getType() == Type.A) {
			response.addRecord(new ARecord(gateway, DClass.IN, 30, LOOPBACK), Section.ANSWER);
		}
		return response.toWire();
	}

	@Override
	public void close() {
		this.socket.close();
		try {
			this.thread.join(2000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
