package example;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/** A small HTTP service: GET / greets, GET /health answers "ok". */
public final class Main {
  private Main() {}

  /** Starts the server on PORT (default 8080); --self-test checks it and exits. */
  public static void main(String[] args) throws IOException {
    boolean selfTest = args.length > 0 && args[0].equals("--self-test");
    int port = selfTest ? 0 : Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    HttpServer server = start(port);
    int bound = server.getAddress().getPort();
    System.out.println("java-service listening on port " + bound);
    if (selfTest) {
      String health = get("http://127.0.0.1:" + bound + "/health");
      server.stop(0);
      System.out.println("self-test: /health answered " + health);
      System.exit(health.equals("ok") ? 0 : 1);
    }
  }

  static HttpServer start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/health", exchange -> reply(exchange, "ok"));
    String name = System.getenv().getOrDefault("SERVICE_NAME", "java-service");
    server.createContext("/", exchange -> reply(exchange, "hello from " + name));
    server.start();
    return server;
  }

  private static void reply(HttpExchange exchange, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static String get(String url) throws IOException {
    try (InputStream in = new URL(url).openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
