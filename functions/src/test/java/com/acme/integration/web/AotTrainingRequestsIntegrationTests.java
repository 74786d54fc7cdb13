package com.acme.integration.web;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.acme.integration.sandbox.IntegrationTestSupport;
import com.acme.integration.testkit.Webhooks;
import com.acme.integration.testkit.training.AotTraining;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The requests the image build's AOT training serves each Service (the testkit's aot-training) get the answers it
 * expects from this version of the app: a training that stopped exercising what it should fails here, in the
 * build, before an image is made.
 */
class AotTrainingRequestsIntegrationTests extends IntegrationTestSupport {

	@Test
	void everyTrainingRequestGetsTheAnswerTheTrainingExpects() throws Exception {
		AotTraining.Requests requests = new AotTraining.Requests(URI.create(baseUrl()),
				AotTraining.Requests.functions("orderWebhook;mapOrder;orderStatusSync"), new Webhooks(NEW_SECRET),
				new Webhooks(SMOKE_SECRET));

		assertThat(requests.round()).isEmpty();
		assertThat(requests.round()).as("a second round (updates of orders that exist)").isEmpty();
	}

}
