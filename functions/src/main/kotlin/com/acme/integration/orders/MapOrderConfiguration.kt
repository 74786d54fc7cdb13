package com.acme.integration.orders

import com.acme.integration.config.CustomerProperties
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import org.springframework.http.HttpHeaders
import org.springframework.http.MediaType
import org.springframework.messaging.Message
import org.springframework.messaging.support.MessageBuilder

/**
 * The mapOrder function (POST /mapOrder): a dry run of the customer-to-our-model mapping. It takes the customer's
 * webhook body as raw bytes (parsing it ourselves is what turns malformed JSON into a 400 rather than the framework's
 * 500) and answers the JSON our Orders API would receive. It calls nothing and needs no signature.
 *
 * Written as a Kotlin function type: spring-cloud-function-context adapts Kotlin lambdas to java.util.function
 * types itself (the separate spring-cloud-function-kotlin module has no 5.x release).
 */
@Configuration(proxyBeanMethods = false)
class MapOrderConfiguration {

	/** Shared with the Java orderWebhook, so both map the same way. */
	@Bean
	fun customerOrderMapper(customer: CustomerProperties): CustomerOrderMapper = CustomerOrderMapper(customer.key())

	@Bean
	fun mapOrder(mapper: CustomerOrderMapper): (ByteArray) -> Message<ByteArray> = { body ->
		MessageBuilder.withPayload(mapper.toJson(mapper.map(body)))
			// The HTTP name: the web layer keeps it for the response, "contentType" it would not.
			.setHeader(HttpHeaders.CONTENT_TYPE, MediaType.APPLICATION_JSON_VALUE)
			.build()
	}

}
