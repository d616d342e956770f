// User and manual tasks: the spiffworkflow:property entries app/engine reads (runtime.py,
// deadlines.py, assignment.py), and the English name/documentation of every flow node.
import { SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { parseDuration } from '../timer';
import { VARIABLE, useWriteServices } from './common';
import { readProperty, writeProperty } from './extension';

function usePropertyAccess(element, name) {
  const services = useWriteServices();
  return {
    getValue: () => readProperty(element, name),
    setValue: (value) => writeProperty(services, element, name, value)
  };
}

function PropertyText({ element, id, name, label, description, validate, area }) {
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const Entry = area ? TextAreaEntry : TextFieldEntry;
  return (
    <Entry
      id={id}
      element={element}
      label={translate(label)}
      description={description && translate(description)}
      debounce={debounce}
      validate={validate && ((value) => validate(value, translate))}
      {...usePropertyAccess(element, name)}
    />
  );
}

function FormSelect({ element, id }) {
  const translate = useService('translate');
  const forms = useService('config.branchflow').catalog.forms || [];
  const access = usePropertyAccess(element, 'formKey');
  const current = access.getValue();
  const known = forms.find((form) => form.key === current);
  const options = [{ value: '', label: translate('<none>') }].concat(
    forms.map((form) => ({ value: form.key, label: `${form.title} (${form.key})` }))
  );
  if (current && !known) options.push({ value: current, label: `${translate('Unknown form')}: ${current}` });
  const link = known && known.url ? (
    <a href={known.url} target="_blank" rel="noopener">{translate('Open the form')}</a>
  ) : null;
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Form')}
      description={link}
      getOptions={() => options}
      {...access}
    />
  );
}

function CalendarSelect({ element, id }) {
  const translate = useService('translate');
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Day count')}
      getOptions={() => [
        { value: '', label: translate('Calendar days') },
        { value: 'working', label: translate('Working days') }
      ]}
      {...usePropertyAccess(element, 'dueCalendar')}
    />
  );
}

function CorrectionSelect({ element, id }) {
  const translate = useService('translate');
  const elementRegistry = useService('elementRegistry');
  const access = usePropertyAccess(element, 'correctionOf');
  const humanTasks = elementRegistry
    .filter((e) => is(e, 'bpmn:UserTask') || is(e, 'bpmn:ManualTask'))
    .map((e) => ({ value: e.id, label: `${e.businessObject.name || e.id} (${e.id})` }));
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Correction of')}
      getOptions={() => [{ value: '', label: translate('<none>') }].concat(humanTasks)}
      {...access}
    />
  );
}

function validateDueIn(value, translate) {
  return value && !parseDuration(value.trim()) ? translate('Not an ISO 8601 duration (e.g. P3D)') : undefined;
}

function validateVariable(value, translate) {
  return value && !VARIABLE.test(value.trim()) ? translate('Not a plain variable name') : undefined;
}

function validatePriority(value, translate) {
  return value && !/^-?\d+$/.test(value.trim()) ? translate('Not a whole number') : undefined;
}

function text(name, options = {}) {
  const id = `bf-${name}`;
  return {
    id,
    component: (props) => <PropertyText {...props} id={id} name={name} {...options} />,
    isEdited: isTextFieldEntryEdited
  };
}

export function humanTaskEntries(element) {
  return [
    { id: 'bf-formKey', component: (props) => <FormSelect {...props} id="bf-formKey" />, isEdited: isSelectEntryEdited },
    text('title', { label: 'Task title', description: 'Shown in the inbox instead of the element name.' }),
    text('dueIn', { label: 'Due in (ISO duration)', description: 'e.g. P3D = 3 days, PT12H = 12 hours, -P3D = 3 days before', validate: validateDueIn }),
    text('dueFrom', { label: 'Due from (data field)', description: 'Empty: counted from when the task starts.', validate: validateVariable }),
    { id: 'bf-dueCalendar', component: (props) => <CalendarSelect {...props} id="bf-dueCalendar" />, isEdited: isSelectEntryEdited },
    text('priority', { label: 'Priority', description: 'A whole number; 50 when empty.', validate: validatePriority }),
    text('assigneeFrom', { label: 'Assignee from (data field)', validate: validateVariable }),
    text('orgFrom', { label: 'Organisation from (data field)', validate: validateVariable }),
    { id: 'bf-correctionOf', component: (props) => <CorrectionSelect {...props} id="bf-correctionOf" />, isEdited: isSelectEntryEdited }
  ].map((entry) => ({ ...entry, element }));
}

export function englishEntries(element) {
  return [
    text('name_en', { label: 'English name' }),
    { ...text('documentation_en', { label: 'English documentation', area: true }) }
  ].map((entry) => ({ ...entry, element }));
}

function RoleSelect({ element, id }) {
  const translate = useService('translate');
  const modeling = useService('modeling');
  const roles = useService('config.branchflow').catalog.roles || [];
  const current = element.businessObject.name || '';
  const options = [{ value: '', label: translate('<none>') }].concat(
    roles.map((role) => ({ value: role.code, label: `${role.name} (${role.code})` }))
  );
  if (current && !roles.some((role) => role.code === current)) {
    options.push({ value: current, label: `${translate('Unknown role')}: ${current}` });
  }
  return (
    <SelectEntry
      id={id}
      element={element}
      label={translate('Role (lane)')}
      description={translate('The lane is named by a role code: tasks in it go to the holders of that role.')}
      getOptions={() => options}
      getValue={() => current}
      setValue={(value) => modeling.updateProperties(element, { name: value || undefined })}
    />
  );
}

export function laneEntries(element) {
  return [{ id: 'bf-role', element, component: (props) => <RoleSelect {...props} id="bf-role" />, isEdited: isSelectEntryEdited }];
}
