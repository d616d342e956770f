// Conditions, scripts and timers: Python expressions the server's sandbox checks. The panel shows
// the text, the server's last verdict on this element, and for timers the next firings.
import { SelectEntry, TextAreaEntry, isTextAreaEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { formatFiring, nextFirings } from '../timer';
import { ServerProblems } from './common';

const TIMER_KINDS = ['timeDuration', 'timeDate', 'timeCycle'];

function CodeArea({ element, id, label, getValue, setValue, description }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  return (
    <div>
      <TextAreaEntry
        id={id}
        element={element}
        label={translate(label)}
        description={description}
        debounce={debounce}
        monospace
        rows={4}
        getValue={getValue}
        setValue={setValue}
      />
      <ServerProblems element={element} />
    </div>
  );
}

function useExpressionWriter() {
  const bpmnFactory = useService('bpmnFactory');
  return (body) => (body && body.trim() ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined);
}

function ConditionArea({ element, id }) {
  const modeling = useService('modeling');
  const expression = useExpressionWriter();
  const bo = getBusinessObject(element);
  return (
    <CodeArea
      element={element}
      id={id}
      label="Condition (Python expression)"
      getValue={() => (bo.conditionExpression && bo.conditionExpression.body) || ''}
      setValue={(value) => modeling.updateProperties(element, { conditionExpression: expression(value) })}
    />
  );
}

function ScriptArea({ element, id }) {
  const modeling = useService('modeling');
  const bo = getBusinessObject(element);
  return (
    <CodeArea
      element={element}
      id={id}
      label="Script (Python)"
      getValue={() => bo.script || ''}
      setValue={(value) => modeling.updateProperties(element, { script: value || undefined })}
    />
  );
}

function timerDefinition(element) {
  const definitions = getBusinessObject(element).eventDefinitions || [];
  return definitions.find((definition) => is(definition, 'bpmn:TimerEventDefinition'));
}

function timerKind(definition) {
  return TIMER_KINDS.find((kind) => definition[kind]) || 'timeDuration';
}

function TimerKind({ element, id }) {
  const translate = useService('translate');
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const definition = timerDefinition(element);
  const current = timerKind(definition);
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Type')}
      getOptions={() => [
        { value: 'timeDuration', label: translate('Duration') },
        { value: 'timeDate', label: translate('Date') },
        { value: 'timeCycle', label: translate('Cycle') }
      ]}
      getValue={() => current}
      setValue={(kind) => {
        // An empty expression still says which kind the timer is, until one is typed.
        const expression = definition[current] || bpmnFactory.create('bpmn:FormalExpression', { body: '' });
        const changes = Object.fromEntries(TIMER_KINDS.map((k) => [k, undefined]));
        modeling.updateModdleProperties(element, definition, { ...changes, [kind]: expression });
      }}
    />
  );
}

function TimerExpression({ element, id }) {
  const translate = useService('translate');
  const modeling = useService('modeling');
  const locale = useService('config.branchflow').locale;
  const expression = useExpressionWriter();
  const definition = timerDefinition(element);
  const kind = timerKind(definition);
  const source = (definition[kind] && definition[kind].body) || '';
  const firings = nextFirings(kind, source);
  let preview = '';
  if (!source.trim()) preview = '';
  else if (firings === null) preview = translate('Computed when the instance runs.');
  else if (!firings.length) preview = translate('Not a readable ISO 8601 timer.');
  else preview = `${translate('Next firing')}: ${firings.map((f) => formatFiring(f, locale)).join('; ')}`;
  return (
    <CodeArea
      element={element}
      id={id}
      label="Timer expression"
      description={<span class="bf-timer-preview">{preview}</span>}
      getValue={() => source}
      setValue={(value) => modeling.updateModdleProperties(element, definition, { [kind]: expression(value) })}
    />
  );
}

export function codeEntries(element) {
  const bo = getBusinessObject(element);
  const entries = [];
  if (is(element, 'bpmn:SequenceFlow') && !is(bo.sourceRef, 'bpmn:ParallelGateway')) {
    entries.push({ id: 'bf-condition', component: (p) => <ConditionArea {...p} id="bf-condition" /> });
  }
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push({ id: 'bf-script', component: (p) => <ScriptArea {...p} id="bf-script" /> });
  }
  if (is(element, 'bpmn:Event') && timerDefinition(element)) {
    entries.push({ id: 'bf-timer-kind', component: (p) => <TimerKind {...p} id="bf-timer-kind" /> });
    entries.push({ id: 'bf-timer', component: (p) => <TimerExpression {...p} id="bf-timer" /> });
  }
  return entries.map((entry) => ({ ...entry, element, isEdited: isTextAreaEntryEdited }));
}
