package com.acme.integration.status;

/** The customer's ERP as far as order status goes. */
interface ErpStatusClient {

	/**
	 * Returns once the ERP answered 2xx.
	 * @throws ErpUnavailableException when a retry later may succeed
	 * @throws ErpRejectedException when the ERP refused the update for good
	 */
	void updateStatus(String orderNumber, ErpStatusUpdate update);

}
