package com.acme.integration.config;

import java.util.List;

import org.springframework.http.MediaType;

/**
 * What the request guard accepts for one function path. Register one as a bean to accept media
 * types other than JSON ({@code application/json} and {@code application/*+json} are the default
 * for every function without one). Several beans for the same function add up.
 *
 * @param function function (bean) name, which is also its HTTP path
 * @param accepts media types the function accepts as request content type
 */
public record FunctionEndpoint(String function, List<MediaType> accepts) {

	public FunctionEndpoint {
		accepts = List.copyOf(accepts);
	}

}
