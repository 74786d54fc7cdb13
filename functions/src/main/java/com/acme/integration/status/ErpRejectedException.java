package com.acme.integration.status;

/**
 * The ERP refused the update for good (400, 403, 404, 422 and other 4xx that a retry cannot fix). Permanent:
 * answered with 422 so that the event goes to the dead-letter sink. {@code erpStatus} is the ERP's status
 * code; the ERP's body is logged, never passed on (it may name internal systems).
 */
public class ErpRejectedException extends RuntimeException {

	private final int erpStatus;

	ErpRejectedException(int erpStatus) {
		super("the ERP rejected the status update with HTTP " + erpStatus);
		this.erpStatus = erpStatus;
	}

	public int erpStatus() {
		return this.erpStatus;
	}

}
