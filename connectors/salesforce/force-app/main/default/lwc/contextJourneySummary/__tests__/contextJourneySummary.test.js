import { createElement } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import ContextJourneySummary from 'c/contextJourneySummary';

/** A getRecord answer holding these Opportunity fields. */
function record(values) {
    const fields = {};
    for (const [name, value] of Object.entries(values)) fields[name] = { value, displayValue: null };
    return { apiName: 'Opportunity', id: '006000000000001AAA', fields };
}

const STORY = {
    Context_Reference_Id__c: 'ctx_dwxjy7siqwg2edtlqby44r4eym',
    First_Touch_Channel__c: 'paid-search',
    Last_Touch_Channel__c: 'direct',
    Primary_Campaign__c: 'spring-espresso',
    Touchpoints__c: 5,
    Sessions__c: 5,
    Days_To_Convert__c: 3,
    Context_Drill_Down_URL__c: 'https://context.example.com/panel/ctx_dwxjy7siqwg2edtlqby44r4eym?expires=1&signature=abc'
};

function mount() {
    const element = createElement('c-context-journey-summary', { is: ContextJourneySummary });
    element.recordId = '006000000000001AAA';
    document.body.appendChild(element);
    return element;
}

describe('c-context-journey-summary', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    });

    it('shows the summary Context Bridge wrote and links to the journey panel', async () => {
        const element = mount();
        getRecord.emit(record(STORY));
        await Promise.resolve();
        const rows = [...element.shadowRoot.querySelectorAll('.row')].map((row) => [
            row.querySelector('dt').textContent,
            row.querySelector('dd').textContent
        ]);
        expect(rows).toEqual([
            ['First touch', 'paid-search'],
            ['Last touch', 'direct'],
            ['Primary campaign', 'spring-espresso'],
            ['Touchpoints', '5'],
            ['Sessions', '5'],
            ['Days to convert', '3']
        ]);
        const link = element.shadowRoot.querySelector('a.panel');
        expect(link.href).toBe(STORY.Context_Drill_Down_URL__c);
        expect(link.target).toBe('_blank');
        expect(element.shadowRoot.querySelector('.reference').textContent).toBe(STORY.Context_Reference_Id__c);
    });

    it('shows a dash for a value the context does not have, and no link without a panel URL', async () => {
        const element = mount();
        getRecord.emit(record({ ...STORY, Primary_Campaign__c: null, Context_Drill_Down_URL__c: null }));
        await Promise.resolve();
        const campaign = [...element.shadowRoot.querySelectorAll('.row')].find(
            (row) => row.querySelector('dt').textContent === 'Primary campaign'
        );
        expect(campaign.querySelector('dd').textContent).toBe('—');
        expect(element.shadowRoot.querySelector('a.panel')).toBeNull();
    });

    it('says so when no journey is linked yet', async () => {
        const element = mount();
        getRecord.emit(record({ Context_Reference_Id__c: null }));
        await Promise.resolve();
        expect(element.shadowRoot.querySelector('.empty').textContent).toBe(
            'No Context Bridge journey is linked to this record yet.'
        );
        expect(element.shadowRoot.querySelector('.summary')).toBeNull();
    });

    it('shows the error when the record cannot be read', async () => {
        const element = mount();
        getRecord.error({ message: 'You do not have access to the field Context_Reference_Id__c' });
        await Promise.resolve();
        expect(element.shadowRoot.querySelector('.error').textContent).toBe(
            'You do not have access to the field Context_Reference_Id__c'
        );
    });
});
