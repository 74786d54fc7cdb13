package com.acme.integration.status;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.messaging.Message;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.oauth2.client.AuthorizedClientServiceOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProvider;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.endpoint.RestClientClientCredentialsTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.client.OAuth2ClientHttpRequestInterceptor;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.web.client.RestClient;

import com.acme.integration.config.ConditionalOnExposedFunction;
import com.acme.integration.config.CustomerProperties;

/**
 * The {@code orderStatusSync} function and its ERP client. A thin adapter: the logic is in
 * {@link OrderStatusSync}; this class wires OAuth2 client credentials (Spring Security), timeouts and meters.
 *
 * <p>The function is a {@link Consumer}: spring-cloud-function-web answers a consumer with 202 and no body, which
 * Knative Eventing takes as "delivered, no reply event". Failures are exceptions that {@link StatusProblems}
 * turns into 422 (dead letter) or 503/429 (retry).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExposedFunction("orderStatusSync")
class OrderStatusSyncConfiguration {

	private static final Logger log = LoggerFactory.getLogger(OrderStatusSyncConfiguration.class);

	/**
	 * Client credentials: the token belongs to this application, not to the caller of the function, so every
	 * request shares one cached authorized client under this fixed principal.
	 */
	static final Authentication ERP_CLIENT_PRINCIPAL = new AnonymousAuthenticationToken("order-status-sync",
			"order-status-sync", AuthorityUtils.createAuthorityList("ROLE_ANONYMOUS"));

	@Bean
	Consumer<Message<byte[]>> orderStatusSync(OrderStatusSync sync, ErpStatusMetrics metrics) {
		return message -> {
			try {
				// Bytes that were not UTF-8 arrive as U+FFFD, which the parser refuses.
				switch (sync.handle(message.getPayload(), message.getHeaders())) {
					case FORWARDED -> metrics.forwarded();
					case SKIPPED -> metrics.skipped();
					case SMOKE_CHECK -> metrics.smokeCheck();
				}
			}
			catch (InvalidEventException | ErpRejectedException ex) {
				metrics.permanentFailure();
				log.warn("status event refused for good (dead letter): {}", ex.getMessage());
				throw ex;
			}
			catch (ErpUnavailableException ex) {
				metrics.transientFailure();
				log.warn("status event not delivered, to be retried: {}", ex.getMessage());
				throw ex;
			}
		};
	}

	@Bean
	OrderStatusSync orderStatusSyncLogic(CustomerProperties customer,
			ErpStatusClient erpStatusClient) {
		return new OrderStatusSync(customer.key(), new StatusEventParser(), erpStatusClient);
	}

	@Bean
	ErpStatusMetrics erpStatusMetrics(MeterRegistry meterRegistry) {
		return new ErpStatusMetrics(meterRegistry);
	}

	@Bean
	ErpStatusClient erpStatusClient(ErpProperties erp, RestClient.Builder restClientBuilder,
			OAuth2AuthorizedClientManager erpAuthorizedClientManager,
			OAuth2AuthorizedClientService authorizedClientService, ErpStatusMetrics metrics) {
		OAuth2ClientHttpRequestInterceptor oauth2 = new OAuth2ClientHttpRequestInterceptor(erpAuthorizedClientManager);
		oauth2.setClientRegistrationIdResolver(request -> erp.registrationId());
		oauth2.setPrincipalResolver(request -> ERP_CLIENT_PRINCIPAL);
		// A 401 (or 403 with an OAuth2 error) from the ERP removes the cached token; the client then retries once.
		oauth2.setAuthorizationFailureHandler(
				OAuth2ClientHttpRequestInterceptor.authorizationFailureHandler(authorizedClientService));
		RestClient restClient = restClientBuilder.baseUrl(erp.baseUrl().toString())
			.requestFactory(requestFactory(erp))
			.requestInterceptor(oauth2)
			.build();
		return new RestClientErpStatusClient(restClient, metrics, Clock.systemUTC());
	}

	/**
	 * Spring Security's manager for client credentials outside a servlet request's own security context, with
	 * the token endpoint called under the same timeouts as the ERP. It caches the token in the
	 * {@link OAuth2AuthorizedClientService} until it expires (less Spring Security's default 60 s clock skew),
	 * one fetch at a time.
	 */
	@Bean
	OAuth2AuthorizedClientManager erpAuthorizedClientManager(ErpProperties erp,
			ObjectProvider<ClientRegistrationRepository> registrations,
			ObjectProvider<OAuth2AuthorizedClientService> authorizedClientService) {
		ClientRegistrationRepository repository = registrations.getIfAvailable();
		ClientRegistration registration = (repository != null) ? repository.findByRegistrationId(erp.registrationId())
				: null;
		String prefix = "spring.security.oauth2.client.registration." + erp.registrationId();
		if (registration == null || authorizedClientService.getIfAvailable() == null) {
			throw new IllegalStateException(prefix + " (client-id, client-secret, authorization-grant-type) and "
					+ "spring.security.oauth2.client.provider." + erp.registrationId()
					+ ".token-uri must be set: orderStatusSync calls the ERP with OAuth2 client credentials");
		}
		if (!AuthorizationGrantType.CLIENT_CREDENTIALS.equals(registration.getAuthorizationGrantType())) {
			throw new IllegalStateException(prefix + ".authorization-grant-type must be client_credentials");
		}
		RestClientClientCredentialsTokenResponseClient tokenClient = new RestClientClientCredentialsTokenResponseClient();
		tokenClient.setRestClient(RestClient.builder()
			.requestFactory(requestFactory(erp))
			.configureMessageConverters(converters -> converters.addCustomConverter(new FormHttpMessageConverter())
				.addCustomConverter(new OAuth2AccessTokenResponseHttpMessageConverter()))
			.defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
			.build());
		OAuth2AuthorizedClientProvider provider = OAuth2AuthorizedClientProviderBuilder.builder()
			.clientCredentials(clientCredentials -> clientCredentials.accessTokenResponseClient(tokenClient))
			.build();
		AuthorizedClientServiceOAuth2AuthorizedClientManager manager = new AuthorizedClientServiceOAuth2AuthorizedClientManager(
				repository, authorizedClientService.getObject());
		manager.setAuthorizedClientProvider(provider);
		return oneAtATime(manager, erp.connectTimeout().plus(erp.readTimeout()));
	}

	/**
	 * Spring Security's manager does not coordinate concurrent callers: with no valid token cached (start, expiry,
	 * after a 401), every event in flight would fetch its own. Behind this lock the first one fetches and the
	 * others then find its token in the cache. Cache hits take the lock only briefly. While the token endpoint
	 * hangs, an event waits at most {@code maxWait} (one token exchange) and is then answered 503, rather than
	 * queueing behind every other event's attempt.
	 */
	static OAuth2AuthorizedClientManager oneAtATime(OAuth2AuthorizedClientManager manager, Duration maxWait) {
		ReentrantLock lock = new ReentrantLock();
		return request -> {
			try {
				if (!lock.tryLock(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
					throw new ErpUnavailableException("no ERP access token: another event's token request is "
							+ "still waiting for the token endpoint", false, null, null);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new ErpUnavailableException("interrupted while waiting for the ERP access token", false, null,
						ex);
			}
			try {
				return manager.authorize(request);
			}
			finally {
				lock.unlock();
			}
		};
	}

	private static ClientHttpRequestFactory requestFactory(ErpProperties erp) {
		HttpClient httpClient = HttpClient.newBuilder()
			.connectTimeout(erp.connectTimeout())
			.version(HttpClient.Version.HTTP_1_1)
			.build();
		JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(httpClient);
		factory.setReadTimeout(erp.readTimeout());
		return factory;
	}

}
