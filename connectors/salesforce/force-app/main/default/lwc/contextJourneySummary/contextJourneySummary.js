import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import REFERENCE from '@salesforce/schema/Opportunity.Context_Reference_Id__c';
import FIRST_TOUCH from '@salesforce/schema/Opportunity.First_Touch_Channel__c';
import LAST_TOUCH from '@salesforce/schema/Opportunity.Last_Touch_Channel__c';
import CAMPAIGN from '@salesforce/schema/Opportunity.Primary_Campaign__c';
import TOUCHPOINTS from '@salesforce/schema/Opportunity.Touchpoints__c';
import SESSIONS from '@salesforce/schema/Opportunity.Sessions__c';
import DAYS from '@salesforce/schema/Opportunity.Days_To_Convert__c';
import PANEL from '@salesforce/schema/Opportunity.Context_Drill_Down_URL__c';

const FIELDS = [REFERENCE, FIRST_TOUCH, LAST_TOUCH, CAMPAIGN, TOUCHPOINTS, SESSIONS, DAYS, PANEL];

/**
 * The context summary on an Opportunity record page: first and last touch, the primary
 * campaign, touchpoints, sessions and days to convert, and the link that opens the full
 * journey panel (served by the Context Bridge gateway at a signed URL).
 */
export default class ContextJourneySummary extends LightningElement {
    @api recordId;
    record;
    error;

    @wire(getRecord, { recordId: '$recordId', optionalFields: FIELDS })
    wiredRecord({ data, error }) {
        this.record = data;
        this.error = error;
    }

    value(field) {
        return this.record ? getFieldValue(this.record, field) : undefined;
    }

    get loaded() {
        return Boolean(this.record);
    }

    get linked() {
        return Boolean(this.value(REFERENCE));
    }

    get reference() {
        return this.value(REFERENCE);
    }

    get rows() {
        const shown = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));
        return [
            { label: 'First touch', value: shown(this.value(FIRST_TOUCH)) },
            { label: 'Last touch', value: shown(this.value(LAST_TOUCH)) },
            { label: 'Primary campaign', value: shown(this.value(CAMPAIGN)) },
            { label: 'Touchpoints', value: shown(this.value(TOUCHPOINTS)) },
            { label: 'Sessions', value: shown(this.value(SESSIONS)) },
            { label: 'Days to convert', value: shown(this.value(DAYS)) }
        ];
    }

    get panelUrl() {
        return this.value(PANEL);
    }

    get errorMessage() {
        const body = this.error && this.error.body;
        return (body && body.message) || 'The context summary could not be loaded.';
    }
}
