/**
 * The HTTP edge: everything that adapts spring-cloud-function-web 5.0.5 and Tomcat to our HTTP
 * contract, and nothing else. Each entry is a behaviour of the framework that a client or an operator
 * would see, what this package does about it, and the test that shows it
 * ({@code functions/src/test/java/com/acme/integration/web/HttpEdgeIntegrationTests}). When the
 * framework changes, run the test and delete what it no longer needs.
 * <ul>
 * <li>It serves every catalog bean by name and falls back to the definition's function for any other
 * path, even an unexposed actuator endpoint: {@link FunctionRequestFilter} answers 404 for everything
 * but the exposed functions and actuator endpoints ({@code Paths}).</li>
 * <li>It invokes a function for GET, PUT and DELETE too, and fails with a 500 for other methods: 405
 * with {@code Allow: POST} ({@code Methods}).</li>
 * <li>It takes any content type: 415 for anything but JSON ({@code ContentTypes}).</li>
 * <li>It reads a body of any size into memory: 413 over {@code integration.webhook.max-body-size}, by
 * {@code Content-Length} and while reading a chunked body ({@code BodySize}).</li>
 * <li>It hands on a body cut short as if it were complete, and Tomcat answers a failed read with a final
 * 400: 503 with {@code Retry-After} instead ({@link TomcatProblemValves.IncompleteBody},
 * {@code BodySize}).</li>
 * <li>It answers every result through an async re-dispatch, with the request's headers copied into the
 * response and an early flush: {@link SynchronousFunctionResults} answers in one dispatch and one write,
 * without the copied headers ({@code ResponseHeaders}, {@code SynchronousFunctionResultsTests}).</li>
 * <li>It maps every function to {@code /**}, so {@code http.server.requests} would count them all as one:
 * {@link WebConfiguration#functionUris} tags them with the function's path ({@code MetricsIntegrationTests}).</li>
 * <li>Tomcat renders its own errors as HTML: problem+json ({@link TomcatProblemValves.Report},
 * {@code HeaderSize}); every other problem is written by Spring MVC through {@link ProblemDetailsAdvice}
 * and the features' own advices.</li>
 * </ul>
 * Accepted as they are: the body reaches a {@code Message<byte[]>} function decoded and re-encoded as
 * UTF-8 (byte for byte for a UTF-8 body; other bytes become U+FFFD, which the features refuse as
 * malformed), and of a repeated header the function sees the first line, which is also the one it
 * acts on.
 */
@NullMarked
package com.acme.integration.web;

import org.jspecify.annotations.NullMarked;
